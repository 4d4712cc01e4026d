#pragma once
// A task: one node of a task graph. Immutable once built and shared between graphs, so the same
// Delayed can be computed from several threads at once.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tessera/backend.hpp"
#include "tessera/value.hpp"

namespace tessera {

/// What a running task knows about where it runs.
struct TaskContext {
  int worker = -1;                  ///< worker index in the cluster
  Backend backend = Backend::host;  ///< the kind of worker running it: which function runs
  int thread = 0;                   ///< thread (host) or stream (device) index within the worker
  int device = -1;                  ///< device of a device worker (CUDA device index)
  void* stream = nullptr;           ///< cudaStream_t of a CUDA worker
  /// The executor's chunk store, where a device task makes room on its device before it
  /// allocates an output that stays there (null outside a cluster).
  ChunkStore* store = nullptr;
};

/// The callable a worker runs: inputs are the dependencies' values in order.
using TaskFunction =
    std::function<Value(std::span<const Value* const> inputs, const TaskContext& context)>;

/// A task's implementations, one per backend it can run on: which it has says where it may run
/// (a task meant for one backend only, to force it there, has only that one).
class TaskFunctions {
 public:
  TaskFunctions() = default;
  /// Only on host workers: what plain C++ functions are.
  explicit TaskFunctions(TaskFunction host) { on(Backend::host, std::move(host)); }
  /// Host code that any worker may run on its own thread (a sum of partials).
  static TaskFunctions anywhere(const TaskFunction& function);

  /// Sets the function for `backend` (an empty one removes it).
  TaskFunctions& on(Backend backend, TaskFunction function) &;
  TaskFunctions&& on(Backend backend, TaskFunction function) && {
    return std::move(on(backend, std::move(function)));
  }
  const TaskFunction& operator[](Backend backend) const noexcept {
    return functions_[backend_index(backend)];
  }
  /// The backends it has a function for.
  BackendSet backends() const noexcept { return backends_; }

 private:
  std::array<TaskFunction, kMaxBackends> functions_;
  BackendSet backends_;
};

class TaskNode;
using TaskPtr = std::shared_ptr<const TaskNode>;

/// One task: a name (its task group), a unique id, its dependencies and its implementations.
class TaskNode {
 public:
  /// Builds a task that runs on host workers.
  TaskNode(std::string name, std::vector<TaskPtr> dependencies, TaskFunction host,
           bool stores_inputs = false);
  /// Builds a task that runs on the backends `functions` has a function for (at least one).
  /// `home`: the MPI rank holding what it reads (a persisted chunk), where it must run; -1:
  /// anywhere.
  TaskNode(std::string name, std::vector<TaskPtr> dependencies, TaskFunctions functions,
           bool stores_inputs = false, int home = -1);
  /// A task no worker runs: its value is delivered from outside the scheduler (a value another
  /// MPI rank computed). It has no dependencies and no functions.
  struct External {};
  TaskNode(std::string name, External);
  /// Releases dependencies iteratively: a 10^6-long chain must not recurse in destructors.
  ~TaskNode();
  TaskNode(const TaskNode&) = delete;
  TaskNode& operator=(const TaskNode&) = delete;

  const std::string& name() const noexcept { return name_; }
  std::uint64_t id() const noexcept { return id_; }
  /// Dask-style key: "<name>-<id in hex>", unique in the process.
  std::string key() const;
  const std::vector<TaskPtr>& dependencies() const noexcept { return dependencies_; }
  /// The MPI rank it must run on (see the constructor); -1: any.
  int home() const noexcept { return home_; }
  /// True for a task whose value is delivered from outside (see External).
  bool external() const noexcept { return external_; }
  /// Where it may run: the backends it has a function for.
  BackendSet backends() const noexcept { return functions_.backends(); }
  /// Its function for `backend` (empty where it cannot run).
  const TaskFunction& function(Backend backend) const noexcept { return functions_[backend]; }
  /// The task puts its inputs into the chunk store itself (persist's keepers): the scheduler
  /// need not store them on the way.
  bool stores_inputs() const noexcept { return stores_inputs_; }

 private:
  std::string name_;
  mutable std::vector<TaskPtr> dependencies_;  // mutable only for the iterative destructor
  bool stores_inputs_;
  bool external_ = false;
  int home_ = -1;
  // The id next to the functions a worker calls: records of finished tasks read it, and next to
  // the host function it costs no cache miss of its own.
  std::uint64_t id_;
  TaskFunctions functions_;
};

}  // namespace tessera
