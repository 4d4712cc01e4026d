// ProgressBar: what it draws for computations while it lives, and that it stops cleanly.
#include <gtest/gtest.h>

#include <future>
#include <sstream>
#include <stdexcept>

#include "diagnostics_test_util.hpp"
#include "tessera/diagnostics/progress_bar.hpp"

using namespace tessera;
using namespace std::chrono_literals;

namespace {

// Each session's percentages never go down, and it ends with `final` percent.
void expect_monotonic(const std::vector<test::BarLine>& session) {
  int last = 0;
  for (const auto& bar : session) {
    ASSERT_GE(bar.percent, 0) << "not a bar: '" << bar.text << "'";
    EXPECT_GE(bar.percent, last) << bar.text;
    last = bar.percent;
  }
}

}  // namespace

TEST(ProgressBar, DrawsUntilAHundredPercentBeforeComputeReturns) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  diagnostics::ProgressBar bar({.dt = 0.01, .out = &out});
  auto results = compute(test::naps(30, 10));
  ASSERT_EQ(results.size(), 30u);
  const std::string text = out.str();  // read while the bar lives: the final line is there
  auto sessions = test::bar_sessions(text);
  ASSERT_EQ(sessions.size(), 1u) << text;
  ASSERT_GE(sessions[0].size(), 3u) << "the redraw thread drew intermediate bars: " << text;
  expect_monotonic(sessions[0]);
  EXPECT_EQ(sessions[0].back().percent, 100);
  EXPECT_FALSE(sessions[0].back().failed);
  EXPECT_EQ(text.back(), '\n');
  EXPECT_EQ(text.find("\n"), text.size() - 1) << "one line, redrawn with \\r";
  EXPECT_GT(bar.last_duration(), 0.1);
}

TEST(ProgressBar, EveryComputationGetsItsOwnLine) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  diagnostics::ProgressBar bar({.width = 10, .dt = 0.01, .out = &out});
  compute(test::naps(4, 5));
  compute(test::naps(4, 5));
  auto sessions = test::bar_sessions(out.str());
  ASSERT_EQ(sessions.size(), 2u) << out.str();
  for (const auto& session : sessions) {
    expect_monotonic(session);
    EXPECT_EQ(session.back().text.rfind("[##########] | 100% Completed | ", 0), 0u);
  }
}

TEST(ProgressBar, MinimumHidesShortComputations) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  {
    diagnostics::ProgressBar bar({.minimum = 5, .dt = 0.01, .out = &out});
    compute(test::naps(4, 10));
    EXPECT_GT(bar.last_duration(), 0.0);
  }
  EXPECT_EQ(out.str(), "");
}

TEST(ProgressBar, MinimumShowsLongOnes) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  diagnostics::ProgressBar bar({.minimum = 0.05, .dt = 0.01, .out = &out});
  compute(test::naps(20, 10));
  auto sessions = test::bar_sessions(out.str());
  ASSERT_EQ(sessions.size(), 1u) << out.str();
  EXPECT_EQ(sessions[0].back().percent, 100);
}

TEST(ProgressBar, FailureIsShown) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  diagnostics::ProgressBar bar({.dt = 0.01, .out = &out});
  auto parts = test::naps(6, 5);
  parts.push_back(delayed([]() -> int { throw std::runtime_error("broken"); }, "bad")());
  auto total = delayed([](const std::vector<int>& v) { return int(v.size()); }, "total")(parts);
  EXPECT_THROW(total.compute(), TaskError);
  auto sessions = test::bar_sessions(out.str());
  ASSERT_EQ(sessions.size(), 1u) << out.str();
  expect_monotonic(sessions[0]);
  EXPECT_TRUE(sessions[0].back().failed) << out.str();
  EXPECT_LT(sessions[0].back().percent, 100) << "the cancelled 'total' task never ran";
}

TEST(ProgressBar, OverlappingComputationsShareOneBarThatNeverGoesBack) {
  LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 2, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  std::ostringstream out;
  {
    diagnostics::ProgressBar bar({.dt = 0.005, .out = &out});
    auto a = std::async(std::launch::async, [] { return compute(test::naps(20, 10, "a")); });
    auto b = std::async(std::launch::async, [] { return compute(test::naps(20, 10, "b")); });
    EXPECT_EQ(a.get().size(), 20u);
    EXPECT_EQ(b.get().size(), 20u);
  }
  auto sessions = test::bar_sessions(out.str());
  ASSERT_GE(sessions.size(), 1u);
  ASSERT_LE(sessions.size(), 2u) << "one line, or two when the runs did not overlap";
  for (const auto& session : sessions) {
    expect_monotonic(session);
    EXPECT_EQ(session.back().percent, 100);
  }
}

TEST(ProgressBar, ThisThreadOnlyIgnoresOtherThreads) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  diagnostics::ProgressBar bar({.dt = 0.01, .out = &out, .this_thread_only = true});
  std::async(std::launch::async, [] { compute(test::naps(4, 5)); }).get();
  EXPECT_EQ(out.str(), "");
  compute(test::naps(4, 5));
  auto sessions = test::bar_sessions(out.str());
  ASSERT_EQ(sessions.size(), 1u);
  EXPECT_EQ(sessions[0].back().percent, 100);
}

TEST(ProgressBar, DestroyedMidComputationStopsDrawing) {
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  std::ostringstream out;
  std::future<std::vector<int>> running;
  {
    diagnostics::ProgressBar bar({.dt = 0.005, .out = &out});
    running = std::async(std::launch::async, [] { return compute(test::naps(20, 10)); });
    std::this_thread::sleep_for(50ms);
  }  // joins the redraw thread; events still arriving must not touch the stream
  const std::string at_destruction = out.str();
  EXPECT_EQ(running.get().size(), 20u);
  EXPECT_EQ(out.str(), at_destruction);
  if (!at_destruction.empty()) {
    EXPECT_EQ(at_destruction.back(), '\n');
  }
}

TEST(ProgressBar, IdleBarDrawsNothing) {
  std::ostringstream out;
  {
    diagnostics::ProgressBar bar({.dt = 0.001, .out = &out});
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(out.str(), "");
}
