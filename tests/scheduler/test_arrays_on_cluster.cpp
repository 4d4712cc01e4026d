// Arrays on real clusters: the same graph gives the same bits for any worker count, and many
// threads can compute arrays at once (runs under ThreadSanitizer in CI).
#include <gtest/gtest.h>

#include <cstring>
#include <thread>

#include "tessera/tessera.hpp"

using namespace tessera;

namespace {
double run_on(int workers, int threads, const Array& array) {
  LocalCluster cluster({.n_workers = workers,
                        .threads_per_worker = threads,
                        .n_gpu_workers = 0,
                        .dashboard_address = ""});
  Client client(cluster);
  return array.compute().item<double>();
}
}  // namespace

TEST(ArraysOnCluster, SameBitsForAnyWorkerCount) {
  auto x = random::random({600, 600}, {128, 100}, 21);
  Array y = (x + x.T()).mean(0).std();
  const double one = run_on(1, 1, y);
  const double many = run_on(2, 2, y);
  const double three = run_on(3, 1, y);
  EXPECT_EQ(std::memcmp(&one, &many, sizeof one), 0);
  EXPECT_EQ(std::memcmp(&one, &three, sizeof one), 0);
}

TEST(ArraysOnCluster, ConcurrentComputesFromSeveralThreads) {
  LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  auto x = random::random({300, 300}, {64, 64}, 5);
  const double expected = (x * x).sum().compute().item<double>();
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int r = 0; r < 5; ++r)
        if ((x * x).sum().compute().item<double>() != expected) ++mismatches;
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(ArraysOnCluster, PersistedChunksFeedLaterComputations) {
  LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  auto x = random::random({200, 300}, {64, 64}, 9);
  Array p = (x + 1.0).persist();
  EXPECT_EQ(p.task_count(), 0u);
  EXPECT_EQ(p.sum().compute().item<double>(), (x + 1.0).sum().compute().item<double>());
}
