#pragma once
// What runs graphs. core defines the interface; the scheduler implements it, and compute() uses
// whichever executor is current (the newest open Client, else a default local cluster).

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tessera/backend.hpp"
#include "tessera/chunk_store.hpp"
#include "tessera/graph.hpp"

namespace tessera {

/// A submitted graph, running or finished.
class Computation {
 public:
  virtual ~Computation() = default;
  /// Blocks until every task finished, failed or was cancelled.
  virtual void wait() = 0;
  /// True once wait() would not block.
  virtual bool done() const = 0;
  /// Blocks until output k finished, failed or was cancelled.
  virtual void wait_output(std::size_t k) = 0;
  /// True once output k finished, failed or was cancelled.
  virtual bool output_done(std::size_t k) const = 0;
  /// The error of output k (a TaskError; a ClosedError when the cluster was closed before it
  /// ran), or null when it succeeded or is still running.
  virtual std::exception_ptr output_error(std::size_t k) const = 0;
  /// The value of output k; only valid after wait() and when output_error(k) is null.
  virtual const Value& output(std::size_t k) const = 0;
  /// Throws the error of the first output that failed (see output_error), if any (after wait()).
  void rethrow_if_failed() const;
  /// Number of outputs requested.
  virtual std::size_t output_count() const = 0;
};

/// One worker: what it is (the first fields, all that starting one needs) and, as
/// Executor::workers() describes it, what it is doing. The one description of a worker: the
/// hardware's devices (Hardware::gpus), a cluster's plan, placement's view of the workers' load
/// and the dashboard's readings are all WorkerInfos, each filling what it knows.
struct WorkerInfo {
  Backend backend = Backend::host;  ///< which of a task's functions it runs
  int threads = 1;                  ///< host threads, or streams of a device worker
  /// Device of a device worker (its CUDA device index); -1: none, as for host workers. What a
  /// worker's threads hold on it (a stream) their backend's WorkerContext says.
  int device = -1;
  std::string name;
  /// Bytes of results it may hold (0: no limit); for a CUDA worker of a LocalCluster, the
  /// device memory its chunks may use.
  std::uint64_t memory_limit = 0;
  std::string device_name;          ///< device model of a device worker ("" when not known)
  std::uint64_t device_memory = 0;  ///< bytes of memory its device has (0: not known)

  std::size_t queued = 0;     ///< ready tasks waiting in its queue
  std::size_t executing = 0;  ///< tasks running now
  std::uint64_t finished = 0;
  std::uint64_t failed = 0;
  std::uint64_t stolen = 0;         ///< tasks its threads took from other workers' queues
  std::int64_t memory = 0;          ///< bytes of task results it holds now
  std::uint64_t stored = 0;         ///< bytes of persisted chunks it stored, in memory now
  std::uint64_t spilled = 0;        ///< bytes of persisted chunks it stored, spilled to disk now
  std::uint64_t spilled_total = 0;  ///< bytes of its chunks ever spilled
  std::uint64_t device_bytes = 0;   ///< bytes of chunks on its device now (device workers)
  std::uint64_t device_spilled_total = 0;  ///< bytes ever moved from its device to host memory
  double cpu_seconds = 0;                  ///< CPU time its threads used so far
  bool paused = false;                     ///< over its pause threshold: starts no tasks
  /// Why it takes no more tasks ("" while it works): its device failed.
  std::string failure;

  // Read over time or from the driver by whoever shows them (the dashboard); 0 otherwise.
  double cpu_percent = 0;                ///< over the last second or so; 100 = one core busy
  std::uint64_t device_memory_used = 0;  ///< bytes in use on its whole device, by every process
};

/// Runs graphs.
class Executor {
 public:
  virtual ~Executor() = default;
  /// Starts running `graph`; never blocks on its tasks.
  virtual std::shared_ptr<Computation> submit(Graph graph) = 0;
  /// Where persist() keeps chunks, and the largest chunk a worker may hold: the executor's
  /// memory policy (a cluster's budgets and spill directory). By default chunks stay in memory
  /// with no limit. Throws ClosedError once the executor is closed.
  virtual std::shared_ptr<ChunkStore> chunk_store();
  /// Its workers and what each is doing now; empty when it has none of its own (it runs tasks
  /// on the calling thread).
  virtual std::vector<WorkerInfo> workers() const { return {}; }
};

/// The executor compute() uses now.
std::shared_ptr<Executor> current_executor();

namespace detail {
/// Makes `executor` current until it is removed (newest wins, like Dask's default client).
void push_executor(const std::shared_ptr<Executor>& executor);
/// Removes `executor` from the current stack (no-op when absent).
void remove_executor(const Executor* executor);
/// Installs the factory used when no executor is current (the scheduler registers one).
void set_default_executor_factory(std::function<std::shared_ptr<Executor>()> factory);
}  // namespace detail

}  // namespace tessera
