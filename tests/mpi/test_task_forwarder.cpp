// Other ranks' tasks for rank 0's task stream (task_forwarder.hpp), without MPI: what a rank keeps
// and sends, the cap per report, and what rank 0 publishes from a report.

#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "task_forwarder.hpp"
#include "tessera/diagnostics/bus.hpp"

namespace tessera::detail {
namespace {

diagnostics::TaskRecord record(const char* cluster, const char* group, std::uint64_t task) {
  diagnostics::TaskRecord r;
  r.cluster = cluster;
  r.group = group;
  r.task = task;
  r.worker = 0;
  r.thread = 1;
  r.start = 100.0 + static_cast<double>(task);
  r.stop = r.start + 0.5;
  return r;
}

/// Keeps what the bus publishes for one cluster.
struct Seen final : diagnostics::Subscriber {
  std::mutex mutex;
  std::vector<std::string> rows;  // "worker_name worker thread group task"
  void task_finished(const diagnostics::TaskRecord& r) override {
    if (r.cluster != "rank0-cluster") return;
    std::lock_guard lock(mutex);
    rows.push_back(std::string(r.worker_name) + " " + std::to_string(r.worker) + " " +
                   std::to_string(r.thread) + " " + std::string(r.group) + " " +
                   std::to_string(r.task));
  }
};

/// What rank 0 publishes from `report` for a rank whose workers are `workers`, rows from
/// `first_worker` on.
std::vector<std::string> published(const std::vector<std::byte>& report, int first_worker,
                                   const std::vector<std::string>& workers) {
  auto seen = std::make_shared<Seen>();
  diagnostics::Bus::instance().subscribe(seen);
  ByteReader in(report.data(), report.size());
  republish_tasks(in, "rank0-cluster", first_worker, workers);
  diagnostics::Bus::instance().unsubscribe(seen.get());
  std::lock_guard lock(seen->mutex);
  return seen->rows;
}

TEST(TaskForwarder, KeepsItsClustersTasksAndRankZeroPublishesThemOnThatRanksRows) {
  TaskForwarder forwarder("rank1-cluster");
  forwarder.task_finished(record("rank1-cluster", "add", 7));
  forwarder.task_finished(record("another-cluster", "add", 8));  // not this cluster's
  forwarder.task_finished(record("rank1-cluster", "sum", 9));
  std::vector<std::byte> report;
  forwarder.take(report);

  // Rank 1's one worker is row 2 on rank 0 (after rank 0's two).
  EXPECT_EQ(published(report, 2, {"rank1.cpu-0"}),
            (std::vector<std::string>{"rank1.cpu-0 2 1 add 7", "rank1.cpu-0 2 1 sum 9"}));

  // Taken: the next report starts empty.
  std::vector<std::byte> next;
  forwarder.take(next);
  ByteReader again(next.data(), next.size());
  EXPECT_TRUE(Codec<std::vector<std::string>>::decode(again).empty());
  EXPECT_TRUE(Codec<std::vector<ForwardedTask>>::decode(again).empty());
}

TEST(TaskForwarder, RanksShareWhatRankZeroTakesIn) {
  EXPECT_EQ(TaskForwarder::cap_for(1), TaskForwarder::kMaxPerReport);
  EXPECT_EQ(TaskForwarder::cap_for(3), TaskForwarder::kMaxPerReport / 3);
  EXPECT_EQ(TaskForwarder::cap_for(511), 1000u);  // a floor, so every rank still shows
}

TEST(TaskForwarder, TasksBeyondTheCapPerReportAreCountedAsDropped) {
  TaskForwarder forwarder("busy");
  for (std::size_t i = 0; i < TaskForwarder::kMaxPerReport + 10; ++i)
    forwarder.task_finished(record("busy", "tiny", i));
  EXPECT_EQ(forwarder.dropped(), 10u);
  std::vector<std::byte> report;
  forwarder.take(report);
  ByteReader in(report.data(), report.size());
  EXPECT_EQ(Codec<std::vector<std::string>>::decode(in).size(), 1u);
  EXPECT_EQ(Codec<std::vector<ForwardedTask>>::decode(in).size(), TaskForwarder::kMaxPerReport);
}

TEST(TaskForwarder, EntriesNamingNoKnownWorkerOrGroupAreSkipped) {
  std::vector<std::byte> report;
  ByteWriter out(report);
  Codec<std::vector<std::string>>::encode({"ok"}, out);
  Codec<std::vector<ForwardedTask>>::encode({{.task = 1, .group = 0, .worker = 0},
                                             {.task = 2, .group = 5, .worker = 0},
                                             {.task = 3, .group = 0, .worker = 9}},
                                            out);
  EXPECT_EQ(published(report, 1, {"rank1.cpu-0"}),
            (std::vector<std::string>{"rank1.cpu-0 1 0 ok 1"}));
}

}  // namespace
}  // namespace tessera::detail
