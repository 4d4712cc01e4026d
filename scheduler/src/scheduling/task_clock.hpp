#pragma once
// Start and stop times of the tasks one scheduler thread runs, for diagnostics records.
//
// A clock read costs about 20 ns (the time-stamp counter, on the machines we measured), which is
// several percent of a sub-microsecond task. So:
//  - a thread that goes straight from one task to the next starts the next one when it recorded
//    the last one stopping: one read per task instead of two;
//  - when no subscriber needs exact times (the live dashboard and progress bars do not; reports
//    and traces do), tasks shorter than `kFastTaskSeconds` on average are timed in windows of
//    `kWindowTasks`: one read per window, each task between two reads getting the window's
//    average duration from the last one. The last task of a window ends at the real time, so
//    the error never carries over; a long task inside a window shows at the window's last
//    task, which then leaves fast mode. The scheduler publishes the estimated tasks of a window
//    as one record counting them (see Scheduler::PendingTasks).

#include <algorithm>

#include "tessera/diagnostics/bus.hpp"

namespace tessera::detail {

class TaskClock {
 public:
  static constexpr double kFastTaskSeconds = 2e-6;
  static constexpr int kWindowTasks = 16;

  /// The start of the task about to run.
  double start() {
    if (last_stop_ > 0) return last_stop_;
    const double now = diagnostics::now_seconds();
    window_start_ = now;
    window_count_ = 0;
    skip_ = 0;
    return now;
  }

  /// The stop of the task that started at `start`, which is also the next one's start.
  double stop(double start, bool exact) {
    ++window_count_;
    estimated_ = !exact && skip_ > 0;
    if (estimated_) {
      --skip_;
      return last_stop_ = start + estimate_;
    }
    const double now = std::max(diagnostics::now_seconds(), start);
    const double average = (now - window_start_) / window_count_;
    skip_ = !exact && average < kFastTaskSeconds ? kWindowTasks - 1 : 0;
    estimate_ = average;
    window_start_ = now;
    window_count_ = 0;
    return last_stop_ = now;
  }

  /// The thread goes idle, or runs a task nobody records: the next start reads the clock.
  void idle() { last_stop_ = 0; }
  /// Whether the last stop() was an estimate (a task inside a window).
  bool estimated() const { return estimated_; }

 private:
  double last_stop_ = 0;     // when the thread's previous task stopped (0: idle since)
  double window_start_ = 0;  // start of the first task since the last clock read
  int window_count_ = 0;     // tasks since the last clock read
  int skip_ = 0;             // estimated stops left before the next read
  double estimate_ = 0;      // seconds per task over the last window
  bool estimated_ = false;   // the last stop() was estimated
};

}  // namespace tessera::detail
