// The report's numbers, from hand-made events.
#include <gtest/gtest.h>

#include "report_summary.hpp"

using namespace tessera;
using namespace tessera::diagnostics;

namespace {

TaskRecord task(std::uint64_t run, std::string group, std::string worker, int thread, double start,
                double stop, bool failed = false) {
  static StringPool names;  // records hold views: the names must outlive them
  TaskRecord t;
  t.run = run;
  t.group = names.intern(group);
  t.cluster = "c";
  t.worker = worker.back() - '0';
  t.worker_name = names.intern(worker);
  t.thread = thread;
  t.start = start;
  t.stop = stop;
  t.failed = failed;
  return t;
}

RunRecord run(std::uint64_t id, std::size_t tasks, double time, bool failed = false) {
  RunRecord r;
  r.run = id;
  r.cluster = "c";
  r.tasks = tasks;
  r.time = time;
  r.failed = failed;
  return r;
}

}  // namespace

TEST(ReportSummary, WorkersGroupsRunsAndTotals) {
  EventLogSnapshot events;
  events.opened = 100;
  events.closed = 120;
  events.submitted = {run(1, 3, 101), run(2, 1, 110)};
  events.tasks = {task(1, "a", "cpu-0", 0, 101, 103), task(1, "a", "cpu-1", 0, 101, 102),
                  task(1, "b", "cpu-0", 0, 103, 104), task(2, "b", "cpu-1", 0, 110, 111, true)};
  events.finished = {run(1, 3, 104), run(2, 1, 111, true)};
  const ReportSummary s = summarize(events);

  EXPECT_EQ(s.tasks, 4u);
  EXPECT_EQ(s.failed, 1u);
  EXPECT_DOUBLE_EQ(s.busy, 5);
  EXPECT_DOUBLE_EQ(s.computing, 3 + 1);  // [101, 104] and [110, 111]

  ASSERT_EQ(s.runs.size(), 2u);
  EXPECT_DOUBLE_EQ(s.runs[0].wall(), 3);
  EXPECT_TRUE(s.runs[0].finished);
  EXPECT_FALSE(s.runs[0].failed);
  EXPECT_TRUE(s.runs[1].failed);
  EXPECT_EQ(s.runs[1].ran, 1u);

  ASSERT_EQ(s.workers.size(), 2u);
  EXPECT_EQ(s.workers[0].worker, "cpu-0");
  EXPECT_EQ(s.workers[0].tasks, 2u);
  EXPECT_DOUBLE_EQ(s.workers[0].busy, 3);
  EXPECT_DOUBLE_EQ(s.workers[0].percent_busy, 75);
  EXPECT_EQ(s.workers[1].failed, 1u);
  EXPECT_DOUBLE_EQ(s.workers[1].percent_busy, 50);

  ASSERT_EQ(s.groups.size(), 2u);
  EXPECT_EQ(s.groups[0].group, "a");  // longest total first
  EXPECT_EQ(s.groups[0].count, 2u);
  EXPECT_DOUBLE_EQ(s.groups[0].total, 3);
  EXPECT_DOUBLE_EQ(s.groups[0].mean, 1.5);
  EXPECT_DOUBLE_EQ(s.groups[0].max, 2);
  EXPECT_EQ(s.groups[1].failed, 1u);
}

TEST(ReportSummary, RunsSubmittedBeforeTheScopeStartAtTheirFirstTask) {
  EventLogSnapshot events;
  events.opened = 100;
  events.closed = 110;
  events.tasks = {task(7, "a", "cpu-0", 0, 99, 101), task(7, "a", "cpu-0", 0, 101, 102)};
  events.finished = {run(7, 5, 102)};
  const ReportSummary s = summarize(events);
  ASSERT_EQ(s.runs.size(), 1u);
  EXPECT_DOUBLE_EQ(s.runs[0].start, 99);
  EXPECT_DOUBLE_EQ(s.runs[0].wall(), 3);
  EXPECT_DOUBLE_EQ(s.start, 99);
}

TEST(ReportSummary, EmptyScope) {
  EventLogSnapshot events;
  events.opened = 1;
  events.closed = 2;
  const ReportSummary s = summarize(events);
  EXPECT_EQ(s.tasks, 0u);
  EXPECT_TRUE(s.runs.empty());
  EXPECT_DOUBLE_EQ(s.computing, 0);
}
