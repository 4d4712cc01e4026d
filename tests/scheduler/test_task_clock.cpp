// TaskClock: one clock read per task when times must be exact; one per window of sub-microsecond
// tasks otherwise, with every window ending at the real time.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <thread>
#include <vector>

#include "scheduling/task_clock.hpp"
#include "tessera/diagnostics/bus.hpp"
#include "tessera/tessera.hpp"

using tessera::detail::TaskClock;

namespace {

struct Timed {
  double start, stop;
};

// Runs `n` tasks back to back; task i sleeps `sleep_ms(i)` milliseconds.
template <class Sleep>
std::vector<Timed> run(TaskClock& clock, int n, bool exact, Sleep sleep_ms) {
  std::vector<Timed> out;
  for (int i = 0; i < n; ++i) {
    const double start = clock.start();
    if (const int ms = sleep_ms(i)) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    out.push_back({start, clock.stop(start, exact)});
  }
  return out;
}

void expect_contiguous(const std::vector<Timed>& tasks) {
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    EXPECT_GE(tasks[i].stop, tasks[i].start) << i;
    if (i > 0) {
      EXPECT_EQ(tasks[i].start, tasks[i - 1].stop) << "straight on: no gap, no overlap";
    }
  }
}

}  // namespace

TEST(TaskClock, ExactTimesReadTheClockAtEveryStop) {
  TaskClock clock;
  const auto tasks = run(clock, 40, true, [](int i) { return i % 10 == 7 ? 2 : 0; });
  expect_contiguous(tasks);
  for (int i = 7; i < 40; i += 10)
    EXPECT_GE(tasks[i].stop - tasks[i].start, 2e-3) << "a 2 ms task among fast ones, task " << i;
}

TEST(TaskClock, FastTasksAreTimedInWindowsThatEndAtTheRealTime) {
  TaskClock clock;
  // Fast tasks, then one that sleeps 5 ms in the middle of a window (task 40), then fast again.
  const auto tasks = run(clock, 80, false, [](int i) { return i == 40 ? 5 : 0; });
  expect_contiguous(tasks);
  // The sleep shows by the end of its window: the window's real end is at least 5 ms after its
  // start. Task 40 itself may carry an estimate, but no task after the window is estimated
  // from the slow average.
  double slowest = 0;
  int slowest_at = -1;
  for (int i = 0; i < 80; ++i)
    if (tasks[i].stop - tasks[i].start > slowest) {
      slowest = tasks[i].stop - tasks[i].start;
      slowest_at = i;
    }
  EXPECT_GE(slowest, 5e-3);
  EXPECT_GE(slowest_at, 40);
  EXPECT_LT(slowest_at, 40 + TaskClock::kWindowTasks) << "within the window holding the sleep";
  // Estimated tasks repeat one duration: count distinct durations among the first 32 tasks,
  // which are all fast. Two windows of 16 need at most a few real reads.
  int estimated = 0;
  for (int i = 2; i < 32; ++i)
    estimated += tasks[i].stop - tasks[i].start == tasks[i - 1].stop - tasks[i - 1].start;
  EXPECT_GE(estimated, 20) << "fast tasks between reads carry the window's estimate";
  // The total is real: from the first start to the last stop covers the sleep.
  EXPECT_GE(tasks.back().stop - tasks.front().start, 5e-3);
}

TEST(TaskClock, AfterIdlingTheNextStartReadsTheClock) {
  TaskClock clock;
  const double s1 = clock.start();
  const double e1 = clock.stop(s1, false);
  clock.idle();
  std::this_thread::sleep_for(std::chrono::milliseconds(3));
  const double s2 = clock.start();
  EXPECT_GE(s2 - e1, 3e-3) << "an idle gap is not counted to the next task";
}

namespace {
struct Listener : tessera::diagnostics::Subscriber {
  explicit Listener(bool exact) : exact(exact) {}
  bool needs_exact_times() const override { return exact; }
  bool exact;
};
}  // namespace

TEST(TaskClock, TheBusAsksForExactTimesWhileAnySubscriberNeedsThem) {
  auto& bus = tessera::diagnostics::Bus::instance();
  ASSERT_FALSE(bus.active());
  {
    tessera::diagnostics::Subscription live(std::make_shared<Listener>(false));
    EXPECT_TRUE(bus.active());
    EXPECT_FALSE(bus.exact_times());
    {
      tessera::diagnostics::Subscription report(std::make_shared<Listener>(true));
      EXPECT_TRUE(bus.exact_times());
    }
    EXPECT_FALSE(bus.exact_times());
  }
  EXPECT_FALSE(bus.active());
}

namespace {
// Records what the bus delivers; exact or not as asked.
struct CountingListener : tessera::diagnostics::Subscriber {
  explicit CountingListener(bool exact) : exact(exact) {}
  bool needs_exact_times() const override { return exact; }
  void task_finished(const tessera::diagnostics::TaskRecord& t) override {
    std::lock_guard lock(mutex);
    if (t.group != "tick") return;
    ++records;
    tasks += t.count;
    largest = std::max<std::uint32_t>(largest, t.count);
    ordered = ordered && t.start <= t.stop;
  }
  bool exact;
  std::mutex mutex;
  std::uint64_t records = 0, tasks = 0;
  std::uint32_t largest = 0;
  bool ordered = true;
};

int tick(int x) {
  return x;
}

void run_ticks(int n) {
  tessera::LocalCluster cluster(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  tessera::Client client(cluster);
  std::vector<tessera::Delayed<int>> tasks;
  for (int i = 0; i < n; ++i) tasks.push_back(tessera::delayed(tick, "tick")(i));
  ASSERT_EQ(tessera::compute(tasks).size(), static_cast<std::size_t>(n));
}
}  // namespace

TEST(TaskClock, LiveListenersGetEveryTaskCountedEvenWhenRecordsStandForSeveral) {
  auto live = std::make_shared<CountingListener>(false);
  {
    tessera::diagnostics::Subscription subscription(live);
    run_ticks(20000);
  }  // the cluster closed: every thread published what it held
  std::lock_guard lock(live->mutex);
  EXPECT_EQ(live->tasks, 20000u) << "no task lost or counted twice";
  EXPECT_LE(live->largest, static_cast<std::uint32_t>(TaskClock::kWindowTasks));
  EXPECT_TRUE(live->ordered);
  // Sub-microsecond tasks go out a window at a time (unless instrumentation slows every task
  // past the fast-task threshold, as sanitizers may).
  if (live->records == live->tasks) {
    GTEST_LOG_(INFO) << "no task was fast enough to be timed by estimate";
  } else {
    EXPECT_LT(live->records, live->tasks / 2);
  }
}

TEST(TaskClock, AnExactListenerGetsOneRecordPerTask) {
  auto live = std::make_shared<CountingListener>(false);
  auto exact = std::make_shared<CountingListener>(true);
  {
    tessera::diagnostics::Subscription a(live), b(exact);
    run_ticks(5000);
  }
  std::lock_guard lock(exact->mutex);
  EXPECT_EQ(exact->tasks, 5000u);
  EXPECT_EQ(exact->records, 5000u);
  EXPECT_EQ(exact->largest, 1u);
}
