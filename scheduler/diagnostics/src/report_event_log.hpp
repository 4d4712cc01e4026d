#pragma once
// The bus events of one report or trace scope, kept in memory until the scope writes its file.

#include <memory>
#include <mutex>
#include <vector>

#include "tessera/diagnostics/bus.hpp"

namespace tessera::diagnostics {

/// What a scope saw, in arrival order.
struct EventLogSnapshot {
  std::vector<RunRecord> submitted, finished;
  std::vector<TaskRecord> tasks;  ///< their names point into `strings`
  std::shared_ptr<StringPool> strings = std::make_shared<StringPool>();
  double opened = 0, closed = 0;  ///< the scope's own start and end, epoch seconds
};

/// Records every event it receives (subscribe it for the scope's lifetime).
class EventLog final : public Subscriber {
 public:
  EventLog() { events_.opened = now_seconds(); }

  void run_submitted(const RunRecord& record) override {
    std::lock_guard lock(mutex_);
    events_.submitted.push_back(record);
  }
  void task_finished(const TaskRecord& record) override {
    std::lock_guard lock(mutex_);
    events_.tasks.push_back(keep(record, *events_.strings));
  }
  void run_finished(const RunRecord& record) override {
    std::lock_guard lock(mutex_);
    events_.finished.push_back(record);
  }

  /// A copy of everything so far, closed now.
  EventLogSnapshot snapshot() const {
    std::lock_guard lock(mutex_);
    EventLogSnapshot copy = events_;
    copy.closed = now_seconds();
    return copy;
  }

 private:
  mutable std::mutex mutex_;
  EventLogSnapshot events_;
};

}  // namespace tessera::diagnostics
