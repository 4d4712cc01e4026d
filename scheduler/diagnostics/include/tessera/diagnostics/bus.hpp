#pragma once
// The diagnostics bus: everything is observable, and free when nobody observes. The scheduler
// publishes what happens — runs
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
#include <string_view>
#include <unordered_set>
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
  /// Dependencies between those groups (indices into `groups`), each once (submission only).
  std::vector<std::pair<std::uint32_t, std::uint32_t>> group_edges;
  double time = 0;      ///< when submitted / finished
  bool failed = false;  ///< finished with at least one failed task
};

/// One task that ran (or failed). Published for every task, so it copies no strings: the names
/// are views valid during the call only. A subscriber that keeps records keeps them through a
/// StringPool (see keep()).
struct TaskRecord {
  std::uint64_t run = 0;   ///< 0: no computation's (the "disk-write" / "disk-read" of spilling)
  std::uint64_t task = 0;  ///< TaskNode id
  std::string_view group;  ///< task group: the TaskNode name
  /// Index of `group` in its run's RunRecord::groups (UINT32_MAX: not known).
  std::uint32_t group_index = UINT32_MAX;
  std::string_view cluster;
  int worker = -1;
  std::string_view worker_name;
  Backend backend = Backend::host;  ///< the kind of worker that ran it
  int thread = 0;                   ///< worker thread, or device stream
  double start = 0, stop = 0;       ///< seconds since the epoch
  std::uint64_t nbytes = 0;         ///< size of the result, where known
  bool failed = false;
  /// Tasks this record stands for: 1, or up to 16 consecutive sub-microsecond tasks of one group
  /// and run on one thread (from `task` on, over start..stop together), published as one while
  /// no subscriber needs exact times.
  std::uint32_t count = 1;
  /// The Dask-style key, "<group>-<id in hex>".
  std::string key() const;
};

/// Owns one copy of each distinct string it is given, at a stable address: records kept beyond
/// the call that delivered them point into it. Not thread-safe (guard it with the records).
class StringPool {
 public:
  std::string_view intern(std::string_view text);

 private:
  struct Hash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  std::unordered_set<std::string, Hash, std::equal_to<>> strings_;
};

/// `record` with its names moved into `pool`, to be stored as long as the pool lives.
TaskRecord keep(const TaskRecord& record, StringPool& pool);

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
  /// Whether task start and stop times must be exact. Subscribers that only count tasks or draw
  /// them live say no, which lets the scheduler time sub-microsecond tasks in windows of a few
  /// (see scheduler/src/task_clock.hpp); reports and traces keep the default, yes.
  virtual bool needs_exact_times() const { return true; }
};

/// The process-wide bus.
class Bus {
 public:
  static Bus& instance();

  void subscribe(std::shared_ptr<Subscriber> subscriber);
  void unsubscribe(const Subscriber* subscriber);
  /// True while anyone listens; publishers check this before building records.
  bool active() const noexcept { return count_.load(std::memory_order_relaxed) > 0; }
  /// True while any subscriber needs exact task times.
  bool exact_times() const noexcept { return exact_count_.load(std::memory_order_relaxed) > 0; }

  void publish_run_submitted(const RunRecord& record);
  /// Inline: it runs for every task while anyone listens.
  void publish_task(const TaskRecord& record) {
    for (const auto& s : current()) s->task_finished(record);
  }
  void publish_run_finished(const RunRecord& record);

 private:
  using List = std::vector<std::shared_ptr<Subscriber>>;
  std::shared_ptr<const List> snapshot() const;
  /// Installs a new subscriber list and the counts and generation that follow from it (mutex_
  /// held).
  void replace(std::shared_ptr<const List> next);
  /// This thread's copy of the list, refreshed when generation_ moved.
  const List& current() const {
    const ThreadCache& cache = thread_cache;
    if (cache.bus == this && cache.list &&
        cache.generation == generation_.load(std::memory_order_acquire))
      return *cache.list;
    return refresh();
  }
  const List& refresh() const;
  struct ThreadCache {
    const Bus* bus = nullptr;
    std::uint64_t generation = 0;
    std::shared_ptr<const List> list, previous;
  };
  static thread_local ThreadCache thread_cache;

  mutable std::mutex mutex_;
  std::shared_ptr<const List> subscribers_ = std::make_shared<const List>();
  std::atomic<int> count_{0};
  std::atomic<int> exact_count_{0};           ///< subscribers that need exact times
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
