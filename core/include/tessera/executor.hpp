#pragma once
// What runs graphs. core defines the interface; the scheduler implements it, and compute() uses
// whichever executor is current (the newest open Client, else a default local cluster).

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>

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

class BlockStore;

/// Runs graphs.
class Executor {
 public:
  virtual ~Executor() = default;
  /// Starts running `graph`; never blocks on its tasks.
  virtual std::shared_ptr<Computation> submit(Graph graph) = 0;
  /// Where persist() keeps chunks (with this executor's memory budget and spill directory);
  /// null: keep them in memory without a budget.
  virtual std::shared_ptr<BlockStore> block_store() { return nullptr; }
  /// The largest chunk a worker may hold in bytes (its memory limit); 0: no limit.
  virtual std::uint64_t chunk_limit() const { return 0; }
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
