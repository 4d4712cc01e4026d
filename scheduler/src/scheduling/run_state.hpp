#pragma once
// The state of one submitted graph: per-task counters, values and errors. Workers update it
// concurrently with atomics; waiters block on a condition variable only when they must.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tessera/executor.hpp"
#include "tessera/graph.hpp"

namespace tessera::detail {

class Scheduler;

/// Bytes of task results each worker holds now; shared so a run outliving its scheduler can
/// still give its bytes back.
struct MemoryCounters {
  explicit MemoryCounters(std::size_t workers) : held(new std::atomic<std::int64_t>[workers]) {
    for (std::size_t w = 0; w < workers; ++w) held[w].store(0, std::memory_order_relaxed);
  }
  std::unique_ptr<std::atomic<std::int64_t>[]> held;
};

// `claimed`: a failure is cancelling this task and writing its error; not yet visible as done.
enum class TaskState : std::uint8_t { waiting, claimed, done, failed, cancelled };

/// Observes a run's tasks from the threads that settle them: how the MPI layer sends values and
/// errors that other ranks wait for. Set before the run starts; either may be empty.
struct RunHooks {
  /// After task i's function returned `value`, before it is stored or handed on. Throwing
  /// fails the task with that error.
  std::function<void(std::uint32_t task, const Value& value)> on_result;
  /// Task i failed, or was cancelled by a failure it depends on (`error` is what its waiters get).
  std::function<void(std::uint32_t task, const std::exception_ptr& error)> on_failure;
};

class RunState final : public Computation {
 public:
  RunState(Graph graph, Scheduler* scheduler, std::shared_ptr<MemoryCounters> memory,
           std::uint64_t id, RunHooks hooks = {});
  ~RunState() override;
  /// Unique id of this run in the process (diagnostics).
  std::uint64_t id() const noexcept { return id_; }
  /// True once any task failed.
  bool any_failed() const noexcept { return any_failed_.load(std::memory_order_relaxed); }

  // Computation
  void wait() override;
  bool done() const override { return completed_.load(std::memory_order_acquire); }
  void wait_output(std::size_t k) override;
  bool output_done(std::size_t k) const override;
  std::exception_ptr output_error(std::size_t k) const override;
  const Value& output(std::size_t k) const override;
  std::size_t output_count() const override { return graph_.outputs.size(); }

  const Graph& graph() const noexcept { return graph_; }
  /// Tasks with no dependencies, to be queued at submission.
  std::vector<std::uint32_t> initial_ready() const;
  /// Worker that produced task i's value (-1 before it ran).
  int location(std::uint32_t i) const { return location_[i].load(std::memory_order_relaxed); }

  /// Records a success of `nbytes`; appends consumers that became ready to `ready`. Returns true
  /// when this finished the whole run.
  bool finish(std::uint32_t i, Value value, std::uint64_t nbytes, int worker,
              std::vector<std::uint32_t>& ready);
  /// Records a failure and cancels everything that depends on it. True when the run is finished.
  bool fail(std::uint32_t i, std::exception_ptr error, const std::string& worker_name);
  /// The same for an external task whose failure was delivered: `error` is kept as it is (a
  /// TaskError raised elsewhere names its own task and worker).
  bool fail_delivered(std::uint32_t i, std::exception_ptr error);
  const RunHooks& hooks() const noexcept { return hooks_; }
  /// True while task i has neither finished, failed nor been cancelled.
  bool waiting(std::uint32_t i) const {
    return state_[i].load(std::memory_order_acquire) == TaskState::waiting;
  }
  /// Gathers the input pointers of task i (valid until its consumers finish). Inputs that went to
  /// the block store are loaded into `loaded` (which the pointers then refer to: keep it until
  /// the task returns).
  void inputs(std::uint32_t i, std::vector<const Value*>& out, std::vector<Value>& loaded) const;
  /// Whether task i's value may go to the block store: a consumer will read it later (and will
  /// not store it itself) and it is not a requested output (handed to the caller as it is).
  bool may_store(std::uint32_t i) const {
    if (is_output_[i]) return false;
    for (std::uint32_t c : graph_.consumers(i))
      if (!graph_.tasks[c]->stores_inputs()) return true;
    return false;  // no consumer, or only ones that store it themselves
  }

  /// True when task i's result goes only to consumers that store it themselves (persist's
  /// keepers) and nobody else asked for it.
  bool only_stored_by_consumers(std::uint32_t i) const {
    return !is_output_[i] && !graph_.consumers(i).empty() && !may_store(i);
  }

  /// Keeps the run alive while it has queued tasks; dropped by whoever finishes it.
  std::shared_ptr<RunState> keep_alive;

 private:
  template <class Predicate>
  void block_until(Predicate&& finished, bool for_output);
  /// Publishes task i's failure (errors_[i] set) and cancels its transitive consumers.
  bool cancel_from(std::uint32_t i);
  bool count_finished(std::size_t n);
  /// Drops one hold on task i's value (a consumer's, or its own once written); the last frees it.
  void release(std::uint32_t i);
  void release_inputs(std::uint32_t i);
  void notify_waiters(bool output_waiters_only);

  void forget_value(std::uint32_t i);

  Graph graph_;
  Scheduler* scheduler_;
  std::shared_ptr<MemoryCounters> memory_;
  std::uint64_t id_;
  RunHooks hooks_;
  std::atomic<bool> any_failed_{false};
  std::vector<std::uint64_t> nbytes_;  // per task, written by the task's finisher
  std::vector<Value> values_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> pending_dependencies_;
  std::unique_ptr<std::atomic<std::uint32_t>[]> pending_consumers_;
  std::unique_ptr<std::atomic<TaskState>[]> state_;
  std::unique_ptr<std::atomic<int>[]> location_;
  std::vector<std::uint8_t> is_output_;
  std::vector<std::exception_ptr> errors_;  // written once per task, before its state is published
  std::atomic<std::size_t> remaining_;
  // Set once subscribers heard of the end, so that compute() never returns before they did
  // (remaining_ reaches zero earlier, while run_finished is still being delivered).
  std::atomic<bool> completed_;

  mutable std::mutex wait_mutex_;
  std::condition_variable wait_cv_;
  std::atomic<int> waiters_{0};
  // Waiters for one output (futures). Only they need waking as each output finishes: waking
  // compute()'s whole-run waiter on every output made it sleep and wake once per task.
  std::atomic<int> output_waiters_{0};
};

}  // namespace tessera::detail
