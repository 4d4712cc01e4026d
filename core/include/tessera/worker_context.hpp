#pragma once
// What each thread of a worker holds while it runs tasks, made by the worker's backend: a CUDA
// worker's thread its device's stream; a host worker's thread nothing but a started Kokkos. The
// scheduler asks the backend for one as a thread starts and drops it as the thread ends, so it
// knows no backend by name: a new backend registers its own here (or none, and its threads hold
// nothing) with no edit to the scheduler.

#include <functional>
#include <memory>
#include <string>

#include "tessera/backend.hpp"

namespace tessera {

struct WorkerInfo;

/// One worker thread's hold on its backend. The destructor releases what it holds and never
/// throws: closing a cluster must finish even on a device that failed.
class WorkerContext {
 public:
  virtual ~WorkerContext() = default;
  /// Given to the thread's tasks as TaskContext::stream (a cudaStream_t for CUDA; null when the
  /// backend has none).
  virtual void* stream() const noexcept { return nullptr; }
  /// Asked after one of the thread's tasks failed: why the worker can run nothing any more (a
  /// device that reports a fault from every call), "" when the failure was the task's alone.
  virtual std::string fault() const noexcept { return {}; }
};

/// Makes the context of thread `thread` of `worker`, on that thread. Throws when the thread
/// cannot use what the worker describes (no such device, no stream): the scheduler then takes
/// the worker out of service, naming the exception's message, and the cluster goes on without it.
using WorkerContextFactory =
    std::function<std::unique_ptr<WorkerContext>(const WorkerInfo& worker, int thread)>;

/// Installs `factory` for `backend`'s workers (replacing any; an empty one: its threads hold
/// nothing). Host and CUDA have theirs from the start. Throws std::invalid_argument for a
/// backend out of range.
void set_worker_context_factory(Backend backend, WorkerContextFactory factory);

/// A context for thread `thread` of `worker`, made by its backend's factory (a plain
/// WorkerContext when the backend has none). Throws what the factory throws.
std::unique_ptr<WorkerContext> make_worker_context(const WorkerInfo& worker, int thread);

}  // namespace tessera
