// trace: Chrome / Perfetto Trace Event Format JSON of what ran in its scope.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <stdexcept>

#include "diagnostics_test_util.hpp"
#include "report_test_util.hpp"
#include "tessera/diagnostics/trace.hpp"

using namespace tessera;
using nlohmann::json;

namespace {

std::vector<json> events_of(const json& trace, const std::string& phase) {
  std::vector<json> out;
  for (const auto& e : trace.at("traceEvents"))
    if (e.at("ph") == phase) out.push_back(e);
  return out;
}

}  // namespace

TEST(Trace, OneCompleteEventPerTaskWithItsDuration) {
  const auto path = test::scratch_dir("trace") / "trace.json";
  LocalCluster cluster(test::quiet_cluster("traced"));
  Client client(cluster);
  auto recorder = std::make_shared<test::TaskRecorder>();
  {
    diagnostics::Subscription listen(recorder);
    auto t = trace(path);
    compute(test::naps(8, 3, "nap"));
  }
  const json trace = json::parse(test::read_text(path));
  const auto tasks = events_of(trace, "X");
  ASSERT_EQ(tasks.size(), recorder->tasks.size());
  ASSERT_EQ(tasks.size(), 8u);

  std::map<std::string, const diagnostics::TaskRecord*> by_key;
  for (const auto& r : recorder->tasks) by_key[r.key()] = &r;
  std::set<std::pair<int, int>> threads;
  for (const auto& e : tasks) {
    EXPECT_EQ(e.at("name"), "nap");
    EXPECT_TRUE(e.at("pid").is_number_integer());
    EXPECT_TRUE(e.at("tid").is_number_integer());
    threads.emplace(e.at("pid").get<int>(), e.at("tid").get<int>());
    const auto* record = by_key.at(e.at("args").at("key").get<std::string>());
    EXPECT_NEAR(e.at("dur").get<double>(), (record->stop - record->start) * 1e6, 1e-3);
    EXPECT_GE(e.at("dur").get<double>(), 3000.0) << "each task naps 3 ms";
    EXPECT_GE(e.at("ts").get<double>(), 0.0);
    EXPECT_EQ(e.at("args").at("worker"), record->worker_name);
    EXPECT_FALSE(e.at("args").at("failed").get<bool>());
  }
  // Start times keep their spacing: microseconds from one origin.
  const auto& first = tasks.front();
  const auto& second = tasks.back();
  const auto* a = by_key.at(first.at("args").at("key").get<std::string>());
  const auto* b = by_key.at(second.at("args").at("key").get<std::string>());
  EXPECT_NEAR(second.at("ts").get<double>() - first.at("ts").get<double>(),
              (b->start - a->start) * 1e6, 1.0);

  const auto metadata = events_of(trace, "M");
  std::set<std::pair<int, int>> named;
  bool process_named = false;
  for (const auto& m : metadata) {
    if (m.at("name") == "process_name")
      process_named |= m.at("args").at("name") == "cluster traced";
    if (m.at("name") == "thread_name") named.emplace(m.at("pid"), m.at("tid"));
  }
  EXPECT_TRUE(process_named);
  EXPECT_EQ(named, threads) << "every thread that ran a task has a name";
  EXPECT_EQ(events_of(trace, "b").size(), 1u);
  EXPECT_EQ(events_of(trace, "e").size(), 1u);
}

TEST(Trace, FailuresAreMarked) {
  const auto path = test::scratch_dir("trace-failure") / "trace.json";
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  {
    auto t = trace(path);
    auto bad = delayed([]() -> int { throw std::runtime_error("no"); }, "doomed")();
    EXPECT_THROW(bad.compute(), TaskError);
  }
  const json trace = json::parse(test::read_text(path));
  const auto tasks = events_of(trace, "X");
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_EQ(tasks[0].at("name"), "doomed");
  EXPECT_TRUE(tasks[0].at("args").at("failed").get<bool>());
  ASSERT_EQ(events_of(trace, "e").size(), 1u);
  EXPECT_TRUE(events_of(trace, "e")[0].at("args").at("failed").get<bool>());
}

TEST(Trace, ScopesNest) {
  const auto dir = test::scratch_dir("trace-nested");
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  {
    auto outer = trace(dir / "outer.json");
    compute(test::naps(2, 1, "before"));
    {
      auto inner = trace(dir / "inner.json");
      compute(test::naps(3, 1, "during"));
    }
  }
  const auto outer = events_of(json::parse(test::read_text(dir / "outer.json")), "X");
  const auto inner = events_of(json::parse(test::read_text(dir / "inner.json")), "X");
  EXPECT_EQ(outer.size(), 5u);
  ASSERT_EQ(inner.size(), 3u);
  for (const auto& e : inner) EXPECT_EQ(e.at("name"), "during");
}

TEST(Trace, EmptyScopeIsAValidTrace) {
  const auto path = test::scratch_dir("trace-empty") / "trace.json";
  { auto t = trace(path); }
  const json trace = json::parse(test::read_text(path));
  EXPECT_TRUE(trace.at("traceEvents").empty());
}

TEST(Trace, UnwritablePathThrowsNamingIt) {
  const std::string missing = "/nonexistent-tessera-dir/trace.json";
  try {
    auto t = trace(missing);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos);
  }
}
