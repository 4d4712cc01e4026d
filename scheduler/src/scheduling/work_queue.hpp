#pragma once
// One worker's queue of ready tasks. The worker's own threads pop from the front (oldest first);
// idle threads of other workers steal from the back.

#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <span>

namespace tessera::detail {

class RunState;

/// A ready task of one run.
struct TaskRef {
  RunState* run;
  std::uint32_t task;
};

class WorkQueue {
 public:
  /// Appends tasks (new work waits its turn); returns how many the queue holds now.
  std::size_t push(std::span<const TaskRef> tasks) {
    std::lock_guard lock(mutex_);
    tasks_.insert(tasks_.end(), tasks.begin(), tasks.end());
    size_.store(tasks_.size(), std::memory_order_relaxed);
    return tasks_.size();
  }
  /// Puts tasks first: consumers of a result this worker just made run next, depth first, so
  /// results are used and freed before more are produced (what dask.order achieves).
  std::size_t push_front(std::span<const TaskRef> tasks) {
    std::lock_guard lock(mutex_);
    tasks_.insert(tasks_.begin(), tasks.begin(), tasks.end());
    size_.store(tasks_.size(), std::memory_order_relaxed);
    return tasks_.size();
  }
  bool pop_front(TaskRef& out) {
    if (size_.load(std::memory_order_relaxed) == 0) return false;
    std::lock_guard lock(mutex_);
    if (tasks_.empty()) return false;
    out = tasks_.front();
    tasks_.pop_front();
    size_.store(tasks_.size(), std::memory_order_relaxed);
    return true;
  }
  /// Takes the newest task for which `accept(task)` holds, if it is at the back.
  template <class Accept>
  bool steal_back(TaskRef& out, Accept&& accept) {
    if (size_.load(std::memory_order_relaxed) == 0) return false;
    std::lock_guard lock(mutex_);
    if (tasks_.empty() || !accept(tasks_.back())) return false;
    out = tasks_.back();
    tasks_.pop_back();
    size_.store(tasks_.size(), std::memory_order_relaxed);
    return true;
  }
  /// Approximate length, for placement decisions.
  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

 private:
  std::mutex mutex_;
  std::deque<TaskRef> tasks_;
  std::atomic<std::size_t> size_{0};
};

}  // namespace tessera::detail
