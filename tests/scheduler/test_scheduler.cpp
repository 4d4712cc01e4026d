// The scheduler through the public API: ordering, dependencies, parallelism, stealing, errors,
// concurrent and nested computes. Runs under ThreadSanitizer in CI.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <latch>
#include <mutex>
#include <numeric>
#include <set>
#include <thread>

#include "tessera/tessera.hpp"

using namespace tessera;
using namespace std::chrono_literals;

namespace {

struct TwoWorkers : ::testing::Test {
  LocalCluster cluster{
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""}};
  Client client{cluster};
};

}  // namespace

TEST_F(TwoWorkers, RunsEachTaskAfterItsDependencies) {
  std::mutex mutex;
  std::vector<int> order;
  auto record = [&](int id) {
    std::lock_guard lock(mutex);
    order.push_back(id);
    return id;
  };
  auto log = delayed([&](int id, auto...) { return record(id); }, "log");
  // 1 -> {2, 3} -> 4
  auto t1 = log(1);
  auto t2 = delayed([&](int a) { return record(2) + a; })(t1);
  auto t3 = delayed([&](int a) { return record(3) + a; })(t1);
  auto t4 = delayed([&](int a, int b) { return record(4) + a + b; })(t2, t3);
  EXPECT_EQ(t4.compute(), 4 + 3 + 4);
  ASSERT_EQ(order.size(), 4u);
  EXPECT_EQ(order.front(), 1);
  EXPECT_EQ(order.back(), 4);
}

TEST_F(TwoWorkers, ChainOfTenThousand) {
  Delayed<long> value = delayed([] { return 0L; })();
  for (int i = 0; i < 10'000; ++i) value = delayed([](long x) { return x + 1; }, "inc")(value);
  EXPECT_EQ(value.compute(), 10'000);
}

TEST_F(TwoWorkers, FanInOfTenThousand) {
  std::vector<TaskPtr> parts;
  for (int i = 0; i < 10'000; ++i) parts.push_back(delayed([](int x) { return x; })(i).node());
  auto sum = std::make_shared<const TaskNode>(
      "sum", parts, [](std::span<const Value* const> in, const TaskContext&) -> Value {
        long total = 0;
        for (const Value* v : in) total += v->get<int>();
        return total;
      });
  EXPECT_EQ(Delayed<long>(sum).compute(), 10'000L * 9'999 / 2);
}

TEST_F(TwoWorkers, IndependentTasksRunInParallel) {
  // Two tasks that each wait for the other to start can only finish if both run at once.
  std::latch both_started(2);
  auto meet = delayed(
      [&](int id) {
        both_started.arrive_and_wait();
        return id;
      },
      "meet");
  std::vector<Delayed<int>> pair{meet(0), meet(1)};
  auto result = std::async(std::launch::async, [&] { return compute(pair); });
  ASSERT_EQ(result.wait_for(30s), std::future_status::ready) << "tasks did not run concurrently";
  EXPECT_EQ(result.get(), (std::vector<int>{0, 1}));
}

TEST_F(TwoWorkers, IdleWorkerStealsFromABlockedOne) {
  // One task blocks its worker; the other worker must drain everything queued, including tasks
  // queued behind the blocked one, before the blocker is released.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  std::atomic<bool> blocker_running{false};
  auto blocker = client.submit([&, released] {
    blocker_running = true;
    released.wait();
    return -1;
  });
  while (!blocker_running) std::this_thread::yield();
  std::vector<int> inputs(40);
  std::iota(inputs.begin(), inputs.end(), 0);
  auto futures = client.map([](int x) { return x * 2; }, inputs);
  auto values = client.gather(futures);  // would hang without stealing
  for (int i = 0; i < 40; ++i) EXPECT_EQ(values[i], 2 * i);
  EXPECT_GT(cluster.tasks_stolen(0) + cluster.tasks_stolen(1), 0u);
  EXPECT_FALSE(blocker.done());
  release.set_value();
  EXPECT_EQ(blocker.result(), -1);
}

TEST_F(TwoWorkers, FailingTaskInTenThousandNamesItAndCancelsDependents) {
  std::atomic<int> ran_after_failure{0};
  std::vector<Delayed<int>> leaves;
  Delayed<int> bad =
      delayed([](int) -> int { throw std::runtime_error("disk on fire"); }, "explode")(0);
  for (int i = 0; i < 9'997; ++i) leaves.push_back(delayed([](int x) { return x; }, "leaf")(i));
  auto dependent = delayed(
      [&](int x) {
        ++ran_after_failure;
        return x;
      },
      "dependent")(bad);
  auto grand = delayed(
      [&](int x) {
        ++ran_after_failure;
        return x;
      },
      "grand")(dependent);
  leaves.push_back(grand);
  try {
    compute(leaves);
    FAIL() << "no TaskError";
  } catch (const TaskError& e) {
    EXPECT_EQ(e.key(), bad.key());
    EXPECT_EQ(e.original_message(), "disk on fire");
    EXPECT_TRUE(e.worker() == "cpu-0" || e.worker() == "cpu-1") << e.worker();
  }
  EXPECT_EQ(ran_after_failure.load(), 0);
  // The cluster is still usable.
  EXPECT_EQ(delayed([] { return 5; })().compute(), 5);
}

TEST_F(TwoWorkers, NonStandardExceptionsAreReported) {
  auto bad = delayed([]() -> int { throw 42; }, "throws_int")();
  try {
    bad.compute();
    FAIL();
  } catch (const TaskError& e) {
    EXPECT_EQ(e.original_message(), "unknown exception");
  }
}

TEST_F(TwoWorkers, ManyConcurrentComputesFromSeveralThreads) {
  constexpr int threads = 8, rounds = 50;
  std::vector<std::thread> callers;
  std::atomic<int> wrong{0};
  for (int t = 0; t < threads; ++t)
    callers.emplace_back([&, t] {
      for (int r = 0; r < rounds; ++r) {
        std::vector<Delayed<int>> parts;
        for (int i = 0; i < 20; ++i)
          parts.push_back(delayed([](int a, int b) { return a * b; })(t, i));
        auto values = compute(parts);
        int sum = 0;
        for (int v : values) sum += v;
        if (sum != t * 190) ++wrong;
      }
    });
  for (auto& c : callers) c.join();
  EXPECT_EQ(wrong.load(), 0);
}

TEST_F(TwoWorkers, NestedComputeInsideATaskDoesNotDeadlock) {
  // Every worker thread runs an outer task that computes an inner graph.
  std::vector<Delayed<int>> outer;
  for (int i = 0; i < 4; ++i)
    outer.push_back(delayed(
        [](int x) {
          std::vector<Delayed<int>> inner;
          for (int j = 0; j < 10; ++j)
            inner.push_back(delayed([](int a, int b) { return a + b; })(x, j));
          int sum = 0;
          for (int v : compute(inner)) sum += v;
          return sum;
        },
        "outer")(i));
  auto result = std::async(std::launch::async, [&] { return compute(outer); });
  ASSERT_EQ(result.wait_for(60s), std::future_status::ready);
  EXPECT_EQ(result.get(), (std::vector<int>{45, 55, 65, 75}));
}

TEST_F(TwoWorkers, ValuesAreFreedAfterTheirLastConsumerUnlessRequested) {
  auto source = delayed([] { return std::make_shared<int>(7); }, "make")();
  auto use =
      delayed([](const std::shared_ptr<int>& p) { return std::weak_ptr<int>(p); }, "use")(source);
  auto freed = delayed([](const std::weak_ptr<int>& w) { return w.expired(); }, "check")(use);
  EXPECT_TRUE(freed.compute());
  auto [kept_value, expired] = compute(source, freed);  // requested: kept until returned
  EXPECT_EQ(*kept_value, 7);
  EXPECT_FALSE(expired);
}

TEST(Scheduler, ClosedClusterFailsCleanly) {
  LocalCluster cluster(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  cluster.close();
  cluster.close();  // twice is harmless
  EXPECT_EQ(cluster.status(), "closed");
  EXPECT_THROW(delayed([] { return 1; })().compute(), ClosedError);
}

TEST(Scheduler, CloseWhileTasksAreQueuedFailsThemInsteadOfHanging) {
  LocalCluster cluster(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  std::promise<void> go;
  std::shared_future<void> gate = go.get_future().share();
  std::atomic<bool> started{false};
  auto first = client.submit([gate, &started] {
    started = true;
    gate.wait();
    return 1;
  });
  while (!started) std::this_thread::yield();  // a running task finishes; queued ones fail
  auto queued = client.map([](int x) { return x; }, std::vector<int>{1, 2, 3});
  std::thread closer([&] { cluster.close(); });
  std::this_thread::sleep_for(50ms);
  go.set_value();
  closer.join();
  EXPECT_EQ(first.result(), 1);
  for (auto& f : queued) {
    // Either it ran before the close, or it failed with the close: it never hangs. The error
    // is the ClosedError close() promises, not a TaskError blaming the task.
    if (f.exception()) {
      EXPECT_THROW(f.result(), ClosedError);
    }
  }
}

TEST_F(TwoWorkers, AGpuOnlyTaskOnACpuOnlyClusterIsAnErrorNamingIt) {
  auto cpu_task = std::make_shared<const TaskNode>(
      "fine", std::vector<TaskPtr>{},
      [](std::span<const Value* const>, const TaskContext&) -> Value { return 1; });
  auto gpu_task = std::make_shared<const TaskNode>(
      "needs_gpu", std::vector<TaskPtr>{cpu_task},
      TaskFunctions{}.on(
          Backend::cuda,
          [](std::span<const Value* const>, const TaskContext&) -> Value { return 2; }));
  Graph graph = build_graph({gpu_task});
  EXPECT_TRUE(graph.common_backends.empty());  // one task runs on host only, one on cuda only
  try {
    cluster.executor()->submit(std::move(graph));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(gpu_task->key()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("runs only on cuda workers"), std::string::npos)
        << e.what();
  }
  // The cluster is unharmed.
  EXPECT_EQ(delayed([](int x) { return x + 1; })(1).compute(), 2);
}

TEST_F(TwoWorkers, TheExecutorDescribesItsWorkers) {
  EXPECT_EQ(delayed([](int x) { return x + 1; })(1).compute(), 2);
  // Through the Executor interface alone: no cast to the scheduler.
  const std::vector<WorkerInfo> workers = cluster.executor()->workers();
  ASSERT_EQ(workers.size(), cluster.plan().workers.size());
  std::uint64_t finished = 0;
  for (std::size_t w = 0; w < workers.size(); ++w) {
    EXPECT_EQ(workers[w].name, cluster.plan().workers[w].name);
    EXPECT_EQ(workers[w].backend, Backend::host);
    EXPECT_EQ(workers[w].threads, cluster.plan().workers[w].threads);
    EXPECT_EQ(workers[w].failure, "");
    finished += workers[w].finished;
  }
  EXPECT_EQ(finished, 1u);
}
