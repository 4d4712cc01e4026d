// tessera::progress: blocks with a bar until an array, a delayed value or futures are done.
#include <gtest/gtest.h>

#include <sstream>
#include <stdexcept>

#include "diagnostics_test_util.hpp"
#include "tessera/progress.hpp"

using namespace tessera;

TEST(Progress, ComputesAnArrayAndReturnsTheResult) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  auto x = random::random({400, 400}, {100, 100});
  std::ostringstream out;
  NDArray mean = progress((x + x.T()).mean(0), {.dt = 0.01, .out = &out});
  NDArray expected = (x + x.T()).mean(0).compute();
  ASSERT_EQ(mean.shape(), expected.shape());
  for (std::size_t i = 0; i < 400; ++i)
    EXPECT_EQ(mean.data<double>()[i], expected.data<double>()[i]);
  auto sessions = test::bar_sessions(out.str());
  ASSERT_EQ(sessions.size(), 1u) << out.str();
  EXPECT_EQ(sessions[0].back().percent, 100);
}

TEST(Progress, ComputesADelayedValue) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  auto total = delayed([](const std::vector<int>& v) { return int(v.size()); })(test::naps(6, 5));
  EXPECT_EQ(progress(total, {.dt = 0.01, .out = &out}), 6);
  EXPECT_NE(out.str().find("| 100% Completed |"), std::string::npos) << out.str();
}

TEST(Progress, WaitsForFutures) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  auto nap = [](int x) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return x * 2;
  };
  auto futures = client.map(nap, std::vector<int>{1, 2, 3, 4, 5, 6, 7, 8});
  std::ostringstream out;
  progress(futures, {.dt = 0.01, .out = &out});
  for (const auto& f : futures) EXPECT_TRUE(f.done());
  auto sessions = test::bar_sessions(out.str());
  ASSERT_EQ(sessions.size(), 1u) << out.str();
  EXPECT_EQ(sessions[0].back().percent, 100);

  std::ostringstream one;
  auto single = client.submit(nap, 21);
  progress(single, {.out = &one});
  EXPECT_EQ(single.result(), 42);
  EXPECT_NE(one.str().find("| 100% Completed |"), std::string::npos) << one.str();
}

TEST(Progress, FailedFuturesEndTheBarWithoutThrowing) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  auto maybe = [](int x) {
    if (x == 3) throw std::runtime_error("three");
    return x;
  };
  auto futures = client.map(maybe, std::vector<int>{1, 2, 3, 4});
  std::ostringstream out;
  EXPECT_NO_THROW(progress(futures, {.out = &out}));
  EXPECT_NE(out.str().find("| 75% Failed |"), std::string::npos) << out.str();
  EXPECT_THROW(futures[2].result(), TaskError);
}

TEST(Progress, MinimumHidesQuickWork) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  auto futures = client.map([](int x) { return x; }, std::vector<int>{1, 2});
  progress(futures, {.minimum = 10, .out = &out});
  EXPECT_EQ(out.str(), "");
}
