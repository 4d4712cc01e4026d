// A task that closes its own cluster: its thread cannot be joined while it runs, so the
// scheduler must stay alive until that thread is done with it, and what the task queued after
// the close must fail rather than wait forever. Run under ThreadSanitizer, which saw the
// closing thread touch freed scheduler state.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "tessera/tessera.hpp"

using namespace tessera;
using namespace std::chrono_literals;

namespace {

ClusterOptions small_cluster(int workers) {
  return {
      .n_workers = workers, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""};
}

}  // namespace

TEST(CloseFromTask, ATaskClosesItsOwnClusterWhichIsThenDestroyed) {
  {
    LocalCluster cluster(small_cluster(2));
    Client client(cluster);
    auto future = client.submit([&cluster] {
      cluster.close();
      return 7;
    });
    EXPECT_EQ(future.result(), 7);
    EXPECT_EQ(cluster.status(), "closed");
    EXPECT_THROW(delayed([] { return 1; })().compute(), ClosedError);
  }  // destroyed at once: the closing task's thread may still be finishing
}

TEST(CloseFromTask, WhatTheClosingTaskFeedsFailsWithClosedErrorInsteadOfHanging) {
  LocalCluster cluster(small_cluster(2));
  Client client(cluster);
  auto closer = delayed(
      [&cluster] {
        cluster.close();
        return 1;
      },
      "closer")();
  auto after = delayed([](int x) { return x + 1; }, "after")(closer);
  auto outcome = std::async(std::launch::async, [&]() -> std::string {
    try {
      return "computed " + std::to_string(after.compute());
    } catch (const ClosedError& e) {
      return e.what();
    }
  });
  ASSERT_EQ(outcome.wait_for(60s), std::future_status::ready) << "the consumer was left waiting";
  const std::string message = outcome.get();
  EXPECT_NE(message.find("task " + after.key()), std::string::npos) << message;
  EXPECT_NE(message.find("closed"), std::string::npos) << message;
}

TEST(CloseFromTask, SeveralTasksClosingAtOnceNeitherDeadlockNorHang) {
  LocalCluster cluster(small_cluster(4));
  Client client(cluster);
  auto futures = client.map(
      [&cluster](int i) {
        cluster.close();
        return i;
      },
      std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7});
  auto outcome = std::async(std::launch::async, [&] {
    int ran = 0;
    for (std::size_t i = 0; i < futures.size(); ++i) {
      // Each either ran (some task closed the cluster while it was running) or never started.
      try {
        EXPECT_EQ(futures[i].result(), static_cast<int>(i));
        ++ran;
      } catch (const ClosedError&) {
      }
    }
    return ran;
  });
  ASSERT_EQ(outcome.wait_for(60s), std::future_status::ready) << "closing deadlocked or hung";
  EXPECT_GE(outcome.get(), 1);
  cluster.close();  // from outside: waits for the threads of the tasks that closed it
  EXPECT_EQ(cluster.status(), "closed");
}

TEST(CloseFromTask, TheTaskMayDropTheLastReferenceToItsCluster) {
  auto cluster = std::make_unique<LocalCluster>(small_cluster(2));
  // No Client: nothing but `cluster` owns the cluster, and the task destroys it.
  auto task = delayed([&cluster] {
    cluster.reset();
    return 5;
  })();
  auto computation = cluster->executor()->submit(build_graph({task.node()}));
  computation->wait();
  ASSERT_EQ(computation->output_error(0), nullptr);
  EXPECT_EQ(computation->output(0).get<int>(), 5);
  EXPECT_EQ(cluster, nullptr);
}
