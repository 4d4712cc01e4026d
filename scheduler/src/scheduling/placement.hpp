#pragma once
// Where a ready task goes: near its inputs, unless that worker is busy and another is not.

#include <cstddef>
#include <span>

#include "tessera/executor.hpp"
#include "tessera/task.hpp"

namespace tessera::detail {

/// True when a task that has functions for `backends` may run on a worker of `backend`.
constexpr bool can_run(BackendSet backends, Backend backend) {
  return backends.contains(backend);
}

/// `backends` without host: the device backends whose workers may take a task from a host queue.
constexpr BackendSet others_than_host(BackendSet backends) {
  backends.erase(Backend::host);
  return backends;
}

/// Picks the worker for a task: `preferred` (where its inputs are), unless it is backed up while
/// another compatible worker idles; without a preference, the least loaded compatible worker per
/// thread. Reads each worker's backend, threads, queued and executing only. Returns -1 when none
/// can run it.
int choose_worker(BackendSet backends, int preferred, std::span<const WorkerInfo> workers);

}  // namespace tessera::detail
