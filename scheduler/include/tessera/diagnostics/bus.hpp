#pragma once
// The diagnostics bus (DESIGN.md decision 7): the scheduler publishes what happens — runs
// submitted and finished, every task with its worker, thread and times — and the dashboard,
// progress bars and report writers subscribe. With no subscriber the scheduler skips the clock
// reads and copies entirely; the cost is one relaxed atomic load per task. With subscribers, a
// publishing thread reads its own cached copy of the subscriber list (refreshed when the list
// changes), so worker threads never contend on a lock or a reference count to publish.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "tessera/task.hpp"

namespace tessera::diagnostics {

/// Seconds since the Unix epoch (what browsers and Perfetto expect).
double now_seconds();

/// A submitted graph.
struct RunRecord {
  std::uint64_t run = 0;  ///< unique per process
  std::string cluster;    ///< name of the cluster running it
  std::size_t tasks = 0;
  /// Tasks per task group ("add", "pi_chunk", ...), in first-seen order (submission only).
  std::vector<std::pair<std::string, std::size_t>> groups;
  double time = 0;      ///< when submitted / finished
  bool failed = false;  ///< finished with at least one failed task
};

/// One task that ran (or failed).
struct TaskRecord {
  std::uint64_t run = 0;
  std::uint64_t task = 0;  ///< TaskNode id
  std::string group;       ///< task group: the TaskNode name
  std::string cluster;
  int worker = -1;
  std::string worker_name;
  WorkerKind kind = WorkerKind::cpu;
  int thread = 0;              ///< worker thread, or GPU stream
  double start = 0, stop = 0;  ///< seconds since the epoch
  std::uint64_t nbytes = 0;    ///< size of the result, where known
  bool failed = false;
  /// The Dask-style key, "<group>-<id in hex>".
  std::string key() const;
};

/// Receives events on the thread that produced them: keep handlers short and thread-safe. No
/// event starts reaching a subscriber after unsubscribe() returns, but a publishing thread may
/// hold the last reference to it until that thread publishes again or exits: destructors should
/// only free memory.
class Subscriber {
 public:
  virtual ~Subscriber() = default;
  virtual void run_submitted(const RunRecord&) {}
  virtual void task_finished(const TaskRecord&) {}
  virtual void run_finished(const RunRecord&) {}
};

/// The process-wide bus.
class Bus {
 public:
  static Bus& instance();

  void subscribe(std::shared_ptr<Subscriber> subscriber);
  void unsubscribe(const Subscriber* subscriber);
  /// True while anyone listens; publishers check this before building records.
  bool active() const noexcept { return count_.load(std::memory_order_relaxed) > 0; }

  void publish_run_submitted(const RunRecord& record);
  void publish_task(const TaskRecord& record);
  void publish_run_finished(const RunRecord& record);

 private:
  using List = std::vector<std::shared_ptr<Subscriber>>;
  std::shared_ptr<const List> snapshot() const;
  /// This thread's copy of the list, refreshed when generation_ moved.
  const List& current() const;

  mutable std::mutex mutex_;
  std::shared_ptr<const List> subscribers_ = std::make_shared<const List>();
  std::atomic<int> count_{0};
  std::atomic<std::uint64_t> generation_{0};  ///< changes with every subscribe and unsubscribe
};

/// Subscribes for the lifetime of the object (RAII), as Dask's Callback context managers do.
class Subscription {
 public:
  explicit Subscription(std::shared_ptr<Subscriber> subscriber);
  ~Subscription();
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

 private:
  std::shared_ptr<Subscriber> subscriber_;
};

}  // namespace tessera::diagnostics
