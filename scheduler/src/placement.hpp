#pragma once
// Where a ready task goes: near its inputs, unless that worker is busy and another is not.

#include <cstddef>
#include <span>

#include "tessera/task.hpp"

namespace tessera::scheduler_detail {

/// What placement needs to know of a worker.
struct WorkerLoad {
  WorkerKind kind;
  int threads;
  std::size_t queued;     ///< ready tasks waiting in its queue
  std::size_t executing;  ///< tasks running now
};

/// True when a task with `placement` may run on a worker of `kind`.
constexpr bool can_run(Placement placement, WorkerKind kind) {
  return placement == Placement::any || (placement == Placement::cpu) == (kind == WorkerKind::cpu);
}

/// Picks the worker for a task: `preferred` (where its inputs are), unless it is backed up while
/// another compatible worker idles; without a preference, the least loaded compatible worker per
/// thread. Returns -1 when none can run it.
int choose_worker(Placement placement, int preferred, std::span<const WorkerLoad> workers);

}  // namespace tessera::scheduler_detail
