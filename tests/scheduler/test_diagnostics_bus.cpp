// The diagnostics bus: what subscribers see, and that memory accounting returns to zero.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include "tessera/diagnostics/bus.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;

namespace {

struct Recorder : diagnostics::Subscriber {
  std::mutex mutex;
  std::vector<diagnostics::RunRecord> submitted, finished;
  std::vector<diagnostics::TaskRecord> tasks;
  diagnostics::StringPool strings;  // the records' names outlive the graph
  void run_submitted(const diagnostics::RunRecord& r) override {
    std::lock_guard lock(mutex);
    submitted.push_back(r);
  }
  void task_finished(const diagnostics::TaskRecord& t) override {
    std::lock_guard lock(mutex);
    tasks.push_back(diagnostics::keep(t, strings));
  }
  void run_finished(const diagnostics::RunRecord& r) override {
    std::lock_guard lock(mutex);
    finished.push_back(r);
  }
};

// One single-threaded CPU worker: it runs the tasks in graph order, and what it holds is all
// the cluster holds.
LocalCluster one_worker(const char* name) {
  return LocalCluster({.n_workers = 1,
                       .threads_per_worker = 1,
                       .n_gpu_workers = 0,
                       .dashboard_address = "",
                       .name = name});
}

// Bytes of task results the cluster's worker holds now.
std::int64_t held(const LocalCluster& cluster) {
  return cluster.executor()->workers().at(0).memory;
}

// A finished run's outputs are released when its last holder lets go, which may be the worker
// that finished it, a moment after compute() returned: wait (bounded) for that.
std::int64_t settled_memory(const LocalCluster& cluster, std::int64_t expected) {
  for (int i = 0; i < 2000 && held(cluster) != expected; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  return held(cluster);
}

}  // namespace

TEST(DiagnosticsBus, SubscribersSeeRunsAndEveryTask) {
  LocalCluster cluster({.n_workers = 2,
                        .threads_per_worker = 1,
                        .n_gpu_workers = 0,
                        .dashboard_address = "",
                        .name = "busy"});
  Client client(cluster);
  auto recorder = std::make_shared<Recorder>();
  {
    diagnostics::Subscription subscription(recorder);
    EXPECT_TRUE(diagnostics::Bus::instance().active());
    std::vector<Delayed<int>> parts;
    for (int i = 0; i < 10; ++i) parts.push_back(delayed([](int x) { return x; }, "part")(i));
    auto total = delayed([](const std::vector<int>& v) { return static_cast<int>(v.size()); },
                         "total")(parts);
    EXPECT_EQ(total.compute(), 10);
  }
  EXPECT_FALSE(diagnostics::Bus::instance().active());
  ASSERT_EQ(recorder->submitted.size(), 1u);
  ASSERT_EQ(recorder->finished.size(), 1u);
  EXPECT_EQ(recorder->submitted[0].cluster, "busy");
  EXPECT_EQ(recorder->submitted[0].tasks, 11u);
  ASSERT_EQ(recorder->submitted[0].groups.size(), 2u);
  EXPECT_EQ(recorder->submitted[0].groups[0], (std::pair<std::string, std::size_t>{"part", 10}));
  EXPECT_EQ(recorder->submitted[0].groups[1], (std::pair<std::string, std::size_t>{"total", 1}));
  EXPECT_FALSE(recorder->finished[0].failed);
  ASSERT_EQ(recorder->tasks.size(), 11u);
  for (const auto& t : recorder->tasks) {
    EXPECT_EQ(t.run, recorder->submitted[0].run);
    EXPECT_TRUE(t.worker_name == "cpu-0" || t.worker_name == "cpu-1") << t.worker_name;
    EXPECT_LE(t.start, t.stop);
    EXPECT_EQ(t.key().rfind(std::string(t.group) + "-", 0), 0u);
  }
}

TEST(DiagnosticsBus, FailuresAreMarked) {
  LocalCluster cluster(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  auto recorder = std::make_shared<Recorder>();
  diagnostics::Subscription subscription(recorder);
  auto bad = delayed([]() -> int { throw std::runtime_error("no"); }, "bad")();
  EXPECT_THROW(bad.compute(), TaskError);
  ASSERT_EQ(recorder->tasks.size(), 1u);
  EXPECT_TRUE(recorder->tasks[0].failed);
  ASSERT_EQ(recorder->finished.size(), 1u);
  EXPECT_TRUE(recorder->finished[0].failed);
}

namespace {

// Slow on purpose: a compute() that returns before run_finished was delivered finds the count
// not yet raised.
struct SlowListener : diagnostics::Subscriber {
  std::atomic<int> finished{0};
  void run_finished(const diagnostics::RunRecord&) override {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    finished.fetch_add(1);
  }
};

std::vector<Delayed<int>> four_parts() {
  std::vector<Delayed<int>> parts;
  for (int k = 0; k < 4; ++k) parts.push_back(delayed([](int x) { return x; }, "part")(k));
  return parts;
}

}  // namespace

// What progress bars rest on: their last line is drawn before compute() returns.
TEST(DiagnosticsBus, RunFinishedIsDeliveredBeforeComputeReturns) {
  LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  auto listener = std::make_shared<SlowListener>();
  diagnostics::Subscription subscription(listener);
  int early = 0;
  for (int i = 1; i <= 200; ++i) {
    compute(four_parts());
    if (listener->finished.load() != i) ++early;
    while (listener->finished.load() < i) std::this_thread::yield();
  }
  EXPECT_EQ(early, 0) << "compute() returned before run_finished was delivered";
}

// A task that computes runs other tasks while it waits, polling for the end: it must not take
// the inner run for done while run_finished is still being delivered on another worker. (This
// failed every time while done() read the count of unfinished tasks.)
TEST(DiagnosticsBus, NestedComputeWaitsForRunFinishedToo) {
  LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  auto listener = std::make_shared<SlowListener>();
  diagnostics::Subscription subscription(listener);
  auto outer = delayed(
      [listener](int rounds) {
        int early = 0;
        for (int i = 0; i < rounds; ++i) {
          const int before = listener->finished.load();
          compute(four_parts());
          if (listener->finished.load() == before) ++early;
        }
        return early;
      },
      "outer");
  EXPECT_EQ(outer(50).compute(), 0) << "a nested compute() returned before run_finished";
}

TEST(MemoryAccounting, ResultsCountWhileHeldAndReturnToZero) {
  LocalCluster cluster = one_worker("memory");
  auto big = std::make_shared<const TaskNode>(
      "big", std::vector<TaskPtr>{},
      [](std::span<const Value* const>, const TaskContext&) -> Value {
        return std::make_shared<NDArray>(Shape{1000}, DType::float64);
      });
  auto use = std::make_shared<const TaskNode>(
      "use", std::vector<TaskPtr>{big},
      [](std::span<const Value* const>, const TaskContext&) -> Value { return 1; });
  {
    auto computation =
        cluster.executor()->submit(build_graph({use, big}));  // big is also requested: held
    computation->wait();
    EXPECT_EQ(held(cluster), 8000 + static_cast<std::int64_t>(sizeof(int)));
  }
  EXPECT_EQ(settled_memory(cluster, 0), 0);
  {
    auto computation =
        cluster.executor()->submit(build_graph({use}));  // big freed after its consumer
    computation->wait();
    EXPECT_EQ(held(cluster), static_cast<std::int64_t>(sizeof(int)));
  }
  EXPECT_EQ(settled_memory(cluster, 0), 0);
  EXPECT_GE(cluster.executor()->workers().at(0).cpu_seconds, 0.0);
}

// A delayed function that returns an NDArray by value (what user code writes) holds its data
// too; it was once counted as a plain value of sizeof(std::any) bytes, so the dashboard showed
// bytes where workers held megabytes.
TEST(MemoryAccounting, ArraysReturnedByValueCountTheirData) {
  LocalCluster cluster = one_worker("by-value");
  auto array = std::make_shared<const TaskNode>(
      "array", std::vector<TaskPtr>{},
      [](std::span<const Value* const>, const TaskContext&) -> Value {
        return NDArray(Shape{1000}, DType::float64);
      });
  {
    auto computation = cluster.executor()->submit(build_graph({array}));
    computation->wait();
    EXPECT_EQ(held(cluster), 8000);
  }
  EXPECT_EQ(settled_memory(cluster, 0), 0);
}

// Tasks downstream of a failure are cancelled and never read their inputs. Those inputs were
// still counted (and kept) until the whole run was dropped, so a caller holding any future of a
// failed run kept every result its cancelled tasks would have read: 16,000 bytes here, gigabytes
// with real chunks. Both orders: the input finishing before the failure, and after it.
TEST(MemoryAccounting, CancelledTasksLetGoOfTheirInputs) {
  LocalCluster cluster = one_worker("cancelled");
  const TaskFunction make_array = [](std::span<const Value* const>, const TaskContext&) -> Value {
    return std::make_shared<NDArray>(Shape{1000}, DType::float64);
  };
  const TaskFunction fail = [](std::span<const Value* const>, const TaskContext&) -> Value {
    throw std::runtime_error("injected");
  };
  const TaskFunction one = [](std::span<const Value* const>, const TaskContext&) -> Value {
    return 1;
  };
  auto node = [](const char* name, std::vector<TaskPtr> dependencies, const TaskFunction& f) {
    return std::make_shared<const TaskNode>(name, std::move(dependencies), f);
  };
  // One thread runs the ready tasks in graph order: early, bad, bad, late, fine.
  auto early = node("early", {}, make_array), late = node("late", {}, make_array);
  auto first = node("use", {early, node("bad", {}, fail)}, one);
  auto second = node("use", {node("bad", {}, fail), late}, one);
  auto fine = node("fine", {}, one);
  auto computation = cluster.executor()->submit(build_graph({first, second, fine}));
  computation->wait();
  // Only the requested result that exists is held while the run is.
  EXPECT_EQ(settled_memory(cluster, sizeof(int)), static_cast<std::int64_t>(sizeof(int)));
  computation.reset();
  EXPECT_EQ(settled_memory(cluster, 0), 0);
}
