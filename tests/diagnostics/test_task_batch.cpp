// TaskBatch: tasks timed by estimate go out as one record per run, group and window, with the
// first task's id and start, the last one's stop, their bytes summed, and nothing lost.
#include <gtest/gtest.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "tessera/diagnostics/bus.hpp"
#include "tessera/diagnostics/detail/task_batch.hpp"

using namespace tessera;
using diagnostics::TaskRecord;
using diagnostics::detail::TaskBatch;

namespace {

// Keeps every task record it receives, with its names copied.
struct Recorder : diagnostics::Subscriber {
  struct Kept {
    TaskRecord record;
    std::string group, worker_name;
  };
  void task_finished(const TaskRecord& record) override {
    std::lock_guard lock(mutex);
    kept.push_back({record, std::string(record.group), std::string(record.worker_name)});
  }
  bool needs_exact_times() const override { return false; }
  std::mutex mutex;
  std::vector<Kept> kept;
};

// Task `task` of run `run` and group `group` (its index `group_index`), from `start` to
// `start + 0.5e-6` seconds, with `nbytes` bytes.
TaskRecord task(std::uint64_t run, std::uint64_t task, const std::string& group,
                std::uint32_t group_index, double start, std::uint64_t nbytes) {
  TaskRecord record;
  record.run = run;
  record.task = task;
  record.group = group;
  record.group_index = group_index;
  record.cluster = "batching";
  record.worker = 1;
  record.worker_name = "cpu-1";
  record.thread = 2;
  record.start = start;
  record.stop = start + 0.5e-6;
  record.nbytes = nbytes;
  return record;
}

}  // namespace

TEST(TaskBatch, PublishesOneRecordPerRunGroupAndWindow) {
  auto recorder = std::make_shared<Recorder>();
  diagnostics::Subscription subscription(recorder);
  TaskBatch batch(3);
  {
    // The group's name is copied: the graph that held it may be gone before the batch goes out.
    std::string add = "add";
    for (int k = 0; k < 4; ++k) batch.add(task(7, 100 + k, add, 0, 10.0 + k, 8));
    add = "overwritten";
  }
  ASSERT_EQ(recorder->kept.size(), 1u) << "the first three filled a window";
  EXPECT_EQ(batch.size(), 1u);
  batch.add(task(7, 200, "mul", 1, 20.0, 16));  // another group: the pending "add" goes first
  batch.add(task(8, 300, "mul", 1, 30.0, 32));  // another run: the pending "mul" goes first
  batch.flush();
  batch.flush();  // nothing left: publishes nothing

  ASSERT_EQ(recorder->kept.size(), 4u);
  const auto& full = recorder->kept[0];
  EXPECT_EQ(full.record.run, 7u);
  EXPECT_EQ(full.record.task, 100u);
  EXPECT_EQ(full.group, "add");
  EXPECT_EQ(full.record.count, 3u);
  EXPECT_EQ(full.record.start, 10.0);
  EXPECT_EQ(full.record.stop, 12.0 + 0.5e-6);
  EXPECT_EQ(full.record.nbytes, 24u);
  EXPECT_EQ(full.worker_name, "cpu-1");
  EXPECT_EQ(full.record.worker, 1);
  EXPECT_EQ(full.record.thread, 2);
  const auto& rest = recorder->kept[1];
  EXPECT_EQ(rest.group, "add");
  EXPECT_EQ(rest.record.task, 103u);
  EXPECT_EQ(rest.record.count, 1u);
  EXPECT_EQ(rest.record.nbytes, 8u);
  EXPECT_EQ(recorder->kept[2].group, "mul");
  EXPECT_EQ(recorder->kept[2].record.run, 7u);
  EXPECT_EQ(recorder->kept[3].record.run, 8u);
  EXPECT_EQ(recorder->kept[3].record.nbytes, 32u);
  std::uint32_t tasks = 0;
  for (const auto& kept : recorder->kept) tasks += kept.record.count;
  EXPECT_EQ(tasks, 6u) << "every task counted once";
  EXPECT_EQ(batch.size(), 0u);
}

TEST(TaskBatch, AWindowOfZeroStillPublishesEachTask) {
  auto recorder = std::make_shared<Recorder>();
  diagnostics::Subscription subscription(recorder);
  TaskBatch batch(0);
  batch.add(task(1, 1, "g", 0, 1.0, 0));
  EXPECT_EQ(recorder->kept.size(), 1u);
  EXPECT_EQ(batch.size(), 0u);
}
