#pragma once
// For publishers (the scheduler), not subscribers: consecutive tasks of one run and task group
// that one thread timed by estimate, published as one record that counts them. Tasks of under a
// microsecond would cost more to record one by one than to run; while no subscriber needs exact
// times (Bus::exact_times()) they go out in windows instead.

#include <cstdint>
#include <string>

#include "tessera/diagnostics/bus.hpp"

namespace tessera::diagnostics::detail {

/// One thread's batch: not thread-safe, and meant to live as long as the thread publishes.
class TaskBatch {
 public:
  /// Publishes a batch as soon as it holds `window` tasks (at least 1).
  explicit TaskBatch(std::uint32_t window);

  /// Adds one task. A batch of another run or group goes out first, and this one once it is
  /// full. The task's group name is copied (its run's graph may be gone before the batch goes
  /// out); its cluster and worker names are not, and must outlive the batch.
  void add(const TaskRecord& task);
  /// Publishes what it holds, if anything: before the thread publishes a task alone, and when
  /// it idles or stops, so no task waits unpublished.
  void flush();
  /// Tasks held, not yet published.
  std::uint32_t size() const noexcept { return pending_.count; }

 private:
  std::uint32_t window_;
  TaskRecord pending_;  // count 0: empty
  std::string group_;   // what pending_.group views
};

}  // namespace tessera::diagnostics::detail
