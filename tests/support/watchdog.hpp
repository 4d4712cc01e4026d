#pragma once
// A deadline for blocking test code: arm() before a step that could hang, disarm() after it. If
// the deadline passes first, the watchdog prints what was running (a seed to reproduce it) and
// ends the process, so a hang fails the test with a reason instead of stalling the suite until
// ctest's timeout kills it silently.

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace tessera::test_support {

class Watchdog {
 public:
  using Clock = std::chrono::steady_clock;

  Watchdog() : thread_([this] { watch(); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
  }
  Watchdog(const Watchdog&) = delete;
  Watchdog& operator=(const Watchdog&) = delete;

  /// Ends the process with `what` unless disarm() comes within `limit`.
  void arm(std::string what, Clock::duration limit) {
    {
      std::lock_guard lock(mutex_);
      what_ = std::move(what);
      deadline_ = Clock::now() + limit;
      armed_ = true;
    }
    changed_.notify_all();
  }
  void disarm() {
    std::lock_guard lock(mutex_);
    armed_ = false;
  }

 private:
  void watch() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      if (!armed_) {
        changed_.wait(lock);
        continue;
      }
      const auto deadline = deadline_;
      if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && armed_ &&
          deadline_ == deadline) {
        std::fprintf(stderr, "watchdog: deadline passed: %s\n", what_.c_str());
        std::fflush(stderr);
        std::_Exit(1);  // the hung threads cannot be joined; exiting is the only way out
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  bool armed_ = false, stopping_ = false;
  std::string what_;
  Clock::time_point deadline_;
  std::thread thread_;  // last: starts once the members it reads exist
};

}  // namespace tessera::test_support
