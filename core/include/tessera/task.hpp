#pragma once
// A task: one node of a task graph. Immutable once built and shared between graphs, so the same
// Delayed can be computed from several threads at once.

#include <any>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace tessera {

class BlockStore;

/// Where a task may run.
enum class Placement : std::uint8_t {
  cpu,  ///< only on CPU workers (plain C++ functions)
  gpu,  ///< only on GPU workers
  any,  ///< on either; the task carries both implementations
};

/// What kind of worker is running a task.
enum class WorkerKind : std::uint8_t { cpu, gpu };

/// What a running task knows about where it runs.
struct TaskContext {
  int worker = -1;  ///< worker index in the cluster
  WorkerKind kind = WorkerKind::cpu;
  int thread = 0;          ///< thread (CPU) or stream (GPU) index within the worker
  int device = -1;         ///< CUDA device of a GPU worker
  void* stream = nullptr;  ///< cudaStream_t of a GPU worker
  /// The cluster's block store, where a GPU task makes room on its device before it allocates
  /// an output that stays there (null outside a cluster).
  BlockStore* store = nullptr;
};

/// Values flow between tasks type-erased; Delayed<T> restores the type at the edges.
using Value = std::any;

/// The callable a worker runs: inputs are the dependencies' values in order.
using TaskFunction =
    std::function<Value(std::span<const Value* const> inputs, const TaskContext& context)>;

class TaskNode;
using TaskPtr = std::shared_ptr<const TaskNode>;

/// One task: a name (its task group), a unique id, its dependencies and its implementations.
class TaskNode {
 public:
  /// Builds a task; `gpu` may be empty unless placement is gpu or any.
  TaskNode(std::string name, std::vector<TaskPtr> dependencies, TaskFunction cpu,
           TaskFunction gpu = {}, Placement placement = Placement::cpu, bool stores_inputs = false);
  /// Releases dependencies iteratively: a 10^6-long chain must not recurse in destructors.
  ~TaskNode();
  TaskNode(const TaskNode&) = delete;
  TaskNode& operator=(const TaskNode&) = delete;

  const std::string& name() const noexcept { return name_; }
  std::uint64_t id() const noexcept { return id_; }
  /// Dask-style key: "<name>-<id in hex>", unique in the process.
  std::string key() const;
  const std::vector<TaskPtr>& dependencies() const noexcept { return dependencies_; }
  Placement placement() const noexcept { return placement_; }
  const TaskFunction& cpu_function() const noexcept { return cpu_; }
  const TaskFunction& gpu_function() const noexcept { return gpu_; }
  /// The task puts its inputs into the block store itself (persist's keepers): the scheduler
  /// need not store them on the way.
  bool stores_inputs() const noexcept { return stores_inputs_; }

 private:
  std::string name_;
  mutable std::vector<TaskPtr> dependencies_;  // mutable only for the iterative destructor
  Placement placement_;
  bool stores_inputs_;
  // The id next to the function a worker calls: records of finished tasks read it, and in the
  // same cache line it costs no miss of its own.
  std::uint64_t id_;
  TaskFunction cpu_;
  TaskFunction gpu_;
};

}  // namespace tessera
