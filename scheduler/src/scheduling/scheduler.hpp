#pragma once
// The task scheduler: worker threads, their queues, placement, stealing and task execution.
// Dependency-driven: a task is queued the moment its last input is ready, on the worker that
// holds most of its inputs unless that worker is backed up.

#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "memory/block_store.hpp"
#include "placement.hpp"
#include "run_state.hpp"
#include "task_clock.hpp"
#include "tessera/diagnostics/detail/task_batch.hpp"
#include "tessera/executor.hpp"
#include "tessera/worker_context.hpp"
#include "work_queue.hpp"

namespace tessera::detail {

class Scheduler final : public Executor, public std::enable_shared_from_this<Scheduler> {
 public:
  /// Starts the workers; `name` labels diagnostics events (the cluster's name). Persisted and
  /// stored chunks go to `store` (null: a store of its own without limits); a worker stops
  /// starting tasks while it holds more than `pause_fraction` of its memory_limit (Dask's
  /// `pause`; 0: never). Throws std::system_error naming the thread limit when the system
  /// refuses a thread, with every thread it had started stopped again.
  explicit Scheduler(std::vector<WorkerInfo> workers, std::string name = "",
                     std::shared_ptr<BlockStore> store = nullptr, double pause_fraction = 0.8);
  ~Scheduler() override;
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  std::shared_ptr<Computation> submit(Graph graph) override;
  /// submit() with `hooks` observing the run's tasks. External tasks wait for deliver() or
  /// deliver_failure().
  std::shared_ptr<RunState> start(Graph graph, RunHooks hooks);
  /// Gives external tasks of `run` their values (task, value), and queues the consumers that
  /// now can run, all in one batch.
  void deliver(RunState& run, std::span<std::pair<std::uint32_t, Value>> values);
  /// Fails external task `task` of `run` with `error` (kept as it is) and cancels its consumers.
  void deliver_failure(RunState& run, std::uint32_t task, std::exception_ptr error);
  /// Its block store (throws ClosedError once stopped).
  std::shared_ptr<ChunkStore> chunk_store() override { return block_store(); }
  std::shared_ptr<BlockStore> block_store();

  /// Stops the threads; tasks still queued fail with ClosedError so no waiter hangs. Called by a
  /// task (a task that closes its own cluster), it returns with the task's own thread still
  /// running: that thread fails what its task queued afterwards, keeps the scheduler alive
  /// until it exits, and is joined by a later stop() from outside or by the destructor.
  void stop();
  bool stopped() const noexcept { return stopping_.load(); }

  /// Its workers as started (their description; no state): what per-task paths read.
  const std::vector<WorkerInfo>& configured_workers() const noexcept { return specs_; }
  /// Each worker with what it is doing now (see stats()).
  std::vector<WorkerInfo> workers() const override;
  const std::string& name() const noexcept { return name_; }
  /// Worker `worker` with what it is doing now.
  WorkerInfo stats(int worker) const;

  /// True while any worker runs a task or has one queued: the workers are busy (cheap: a few
  /// atomic reads). What the MPI communication thread asks before spinning for messages.
  bool busy() const noexcept;

  /// Called once when the last task of `run` finished, before its waiters wake.
  void run_completed(const RunState& run) const;

  /// On one of this scheduler's threads: runs tasks until `finished()`; returns true. Elsewhere:
  /// returns false at once (the caller blocks instead).
  template <class Predicate>
  bool help_until(Predicate&& finished);

 private:
  struct Worker;
  struct ThreadBuffers {
    std::vector<const Value*> inputs;
    std::vector<std::uint32_t> ready;
    // enqueue()'s scratch, kept so placing ready tasks allocates nothing per task: each working
    // worker's load (backend, threads, queued, executing; names left empty).
    std::vector<WorkerInfo> loads;
    // Failed workers get no entry in `loads`: the worker of each entry, and each worker's entry
    // (-1 for a failed one).
    std::vector<int> load_worker, worker_load;
    std::vector<std::vector<TaskRef>> per_worker;
    /// Times this thread's tasks for diagnostics records.
    TaskClock clock;
    /// Inputs of the current task read back from the block store.
    std::vector<Value> loaded;
    /// Its tasks that TaskClock timed by estimate, not yet published: they go out as one record
    /// counting them (for sub-microsecond tasks, a record each would cost more than the task).
    diagnostics::detail::TaskBatch pending{TaskClock::kWindowTasks};
    /// The block store, held for as long as this thread runs tasks (see thread_buffers()).
    std::shared_ptr<BlockStore> store;
  };
  /// Fresh buffers for a thread about to run tasks, holding the block store (null once closed).
  ThreadBuffers thread_buffers() const;

  /// Starts every worker's threads; on failure stops those started and throws (see the
  /// constructor).
  void start_threads();
  void thread_main(int worker, int thread);
  /// Joins the threads that have not been joined yet, except the calling one.
  void join_threads();
  /// Fails every queued task with ClosedError (after stop).
  void fail_queued();
  bool find_task(int worker, TaskRef& out);
  /// Puts a task taken by find_task back at the front of `worker`'s queue, unstarted.
  void requeue(int worker, const TaskRef& ref);
  void execute(int worker, int thread, const WorkerContext& context, TaskRef ref,
               ThreadBuffers& buffers);
  void enqueue(int from_worker, RunState& run, std::span<const std::uint32_t> ready,
               ThreadBuffers& buffers);
  /// Takes a worker out of service for good (its device is unusable): records and logs
  /// `reason`, wakes its threads so they exit, and hands on what is queued there. Errors of the
  /// device must never end the process nor leave tasks waiting on a worker that cannot run them.
  void fail_worker(int worker, const std::string& reason);
  /// Moves the tasks queued on a failed worker to workers that can run them; each that no worker
  /// can run fails with a TaskError naming the failure.
  void relocate_queue(int worker);
  /// Fails ready task `task`, which no working worker can run, naming why.
  bool fail_unplaceable(RunState& run, std::uint32_t task);
  int preferred_worker(const RunState& run, std::uint32_t task, int from_worker) const;
  void wake(Backend backend);
  bool should_pause(int worker) const;
  bool has_work_for(Backend backend) const;
  /// Counts a task going into / leaving `queue_owner`'s queue (see queued_).
  void note_pushed(const Worker& queue_owner, BackendSet task_backends);
  void note_popped(const Worker& queue_owner, const TaskRef& ref);
  /// The record of task `ref`, which `worker` ran on `thread` (viewing the run's graph: publish
  /// it, or hand it to a TaskBatch, which copies what it keeps).
  diagnostics::TaskRecord task_record(const Worker& worker, int thread, const TaskRef& ref,
                                      double start, double stop, std::uint64_t nbytes) const;
  /// Publishes a finished task.
  void publish_task(const Worker& worker, int thread, const TaskRef& ref, double start, double stop,
                    std::uint64_t nbytes, bool failed) const;
  void publish_run(const RunState& run, bool finished) const;
  /// Chunks at least this large go to the block store when others will read them.
  static constexpr std::uint64_t kMinStoredResultBytes = 64 * 1024;
  /// Moves task `task`'s array result into the block store when it should; returns the bytes
  /// the worker itself now holds for it.
  static std::uint64_t store_result(const RunState& run, std::uint32_t task, int worker,
                                    BlockStore* store, std::uint64_t nbytes, Value& value);
  /// Settles a GPU task's result left in device memory (a device chunk): into
  /// the store's device tier, left for persist's keepers, or copied to host memory. True when
  /// the worker holds no host bytes for it.
  static bool settle_device_result(const RunState& run, std::uint32_t task, BlockStore* store,
                                   Value& value);
  /// What the store calls on each spill-file write and read: publishes it as a task record.
  std::function<void(const SpillEvent&)> spill_publisher() const;
  void release_run(RunState& run);

  std::vector<WorkerInfo> specs_;
  std::string name_;
  std::shared_ptr<MemoryCounters> memory_;
  mutable std::mutex store_mutex_;
  std::shared_ptr<BlockStore> store_;  // dropped by stop(): chunk_store() then refuses
  double pause_fraction_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::atomic<bool> stopping_{false};
  std::mutex stop_mutex_;
  std::mutex start_mutex_;  // held while the constructor records thread handles

  // Per backend: ready tasks in its workers' queues, and tasks in host queues it may run too,
  // which its idle threads take (device workers steal host work; host workers only host work).
  template <class T>
  using PerBackend = std::array<T, kMaxBackends>;
  PerBackend<std::atomic<std::size_t>> queued_{}, runnable_in_host_queues_{};
  PerBackend<std::atomic<int>> sleeping_{};
  std::mutex idle_mutex_;
  PerBackend<std::condition_variable> idle_;
  BackendSet backends_;  // the kinds of its workers: the counters above count only for these
};

/// Which scheduler thread the current thread is, if any.
struct CurrentThread {
  Scheduler* scheduler = nullptr;
  int worker = -1;
  int thread = -1;
  const WorkerContext* context = nullptr;  ///< what its backend gave the thread
};
extern thread_local CurrentThread current_thread;

template <class Predicate>
bool Scheduler::help_until(Predicate&& finished) {
  const CurrentThread me = current_thread;
  if (me.scheduler != this) return false;
  ThreadBuffers buffers = thread_buffers();  // the outer task still uses the thread's own
  while (!finished()) {
    TaskRef ref;
    if (find_task(me.worker, ref))
      execute(me.worker, me.thread, *me.context, ref, buffers);
    else
      std::this_thread::yield();
  }
  buffers.pending.flush();
  return true;
}

}  // namespace tessera::detail
