// External tasks and run hooks (what the MPI layer builds on), without MPI: values delivered from
// a thread of the test's own while the workers run their consumers, hooks that see every result
// and every failure or cancellation once, and failures delivered from outside. Runs under
// ThreadSanitizer in CI (test_scheduler_parts).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "scheduling/scheduler.hpp"
#include "tessera/diagnostics/bus.hpp"
#include "tessera/errors.hpp"

using namespace tessera;
using detail::RunHooks;
using detail::Scheduler;

namespace {

std::vector<WorkerInfo> cpu_workers(int workers, int threads) {
  std::vector<WorkerInfo> out;
  for (int w = 0; w < workers; ++w)
    out.push_back(
        {.backend = Backend::host, .threads = threads, .name = "cpu-" + std::to_string(w)});
  return out;
}

TaskPtr external() {
  return std::make_shared<const TaskNode>("external", TaskNode::External{});
}

// Adds one to its input (throws for 13).
TaskPtr plus_one(TaskPtr input) {
  return std::make_shared<const TaskNode>(
      "plus-one", std::vector<TaskPtr>{std::move(input)},
      TaskFunction([](std::span<const Value* const> in, const TaskContext&) -> Value {
        const int v = in[0]->get<int>();
        if (v == 13) throw std::invalid_argument("thirteen");
        return v + 1;
      }));
}

TEST(ExternalTasks, DeliveredValuesFromAnotherThreadFeedTheirConsumers) {
  auto scheduler = std::make_shared<Scheduler>(cpu_workers(2, 2));
  constexpr int kTasks = 400;
  std::vector<TaskPtr> inputs, outputs;
  for (int i = 0; i < kTasks; ++i) {
    inputs.push_back(external());
    outputs.push_back(plus_one(plus_one(inputs.back())));
  }
  Graph graph = build_graph(outputs);
  std::vector<std::uint32_t> index_of_input;
  for (const TaskPtr& input : inputs)
    for (std::uint32_t i = 0; i < graph.size(); ++i)
      if (graph.tasks[i] == input.get()) index_of_input.push_back(i);
  std::mutex seen_mutex;
  std::multiset<int> seen;  // every result the hook saw
  RunHooks hooks;
  hooks.on_result = [&](std::uint32_t, const Value& value) {
    std::lock_guard lock(seen_mutex);
    seen.insert(value.get<int>());
  };
  auto run = scheduler->start(std::move(graph), std::move(hooks));
  EXPECT_FALSE(run->done());  // nothing can run before its value arrives
  // Delivered in batches of 7 from a thread of its own, as the MPI layer's does.
  std::thread deliverer([&] {
    for (int i = 0; i < kTasks; i += 7) {
      std::vector<std::pair<std::uint32_t, Value>> batch;
      for (int k = i; k < std::min(kTasks, i + 7); ++k)
        batch.emplace_back(index_of_input[k], Value(k * 10));
      scheduler->deliver(*run, batch);
    }
  });
  run->wait();
  deliverer.join();
  run->rethrow_if_failed();
  for (int i = 0; i < kTasks; ++i) EXPECT_EQ(run->output(i).get<int>(), i * 10 + 2);
  std::lock_guard lock(seen_mutex);
  EXPECT_EQ(seen.size(), 2u * kTasks);  // each plus-one task once; delivered values not
  EXPECT_EQ(seen.count(12), 1u);
  scheduler->stop();
}

TEST(ExternalTasks, FailuresAndCancellationsReachTheHookOnce) {
  auto scheduler = std::make_shared<Scheduler>(cpu_workers(1, 2));
  const TaskPtr source = external();
  const TaskPtr fails = plus_one(source);        // receives 13 and throws
  const TaskPtr cancelled = plus_one(fails);     // cancelled by the failure
  const TaskPtr healthy = plus_one(external());  // unaffected
  Graph graph = build_graph({cancelled, healthy});
  std::mutex m;
  std::vector<std::string> failed;  // names of the tasks the hook heard fail
  RunHooks hooks;
  hooks.on_failure = [&](std::uint32_t task, const std::exception_ptr& error) {
    EXPECT_NE(error, nullptr);
    std::lock_guard lock(m);
    failed.push_back(std::to_string(task));
  };
  std::uint32_t source_index = 0, other_index = 0;
  for (std::uint32_t i = 0; i < graph.size(); ++i) {
    if (graph.tasks[i] == source.get()) source_index = i;
    if (graph.tasks[i]->external() && graph.tasks[i] != source.get()) other_index = i;
  }
  auto run = scheduler->start(std::move(graph), std::move(hooks));
  std::vector<std::pair<std::uint32_t, Value>> values{{source_index, Value(13)},
                                                      {other_index, Value(1)}};
  scheduler->deliver(*run, values);
  run->wait();
  EXPECT_THROW(run->rethrow_if_failed(), TaskError);
  EXPECT_EQ(run->output(1).get<int>(), 2);
  std::lock_guard lock(m);
  EXPECT_EQ(failed.size(), 2u);  // the failed task and the one it cancelled, once each
  scheduler->stop();
}

TEST(ExternalTasks, AFailureDeliveredFromOutsideIsKeptAsItIs) {
  auto scheduler = std::make_shared<Scheduler>(cpu_workers(1, 1));
  const TaskPtr source = external();
  Graph graph = build_graph({plus_one(source)});
  std::uint32_t source_index = 0;
  for (std::uint32_t i = 0; i < graph.size(); ++i)
    if (graph.tasks[i] == source.get()) source_index = i;
  auto run = scheduler->start(std::move(graph), {});
  scheduler->deliver_failure(
      *run, source_index,
      std::make_exception_ptr(TaskError("remote-7", "rank3.cpu-0", "bad value", nullptr)));
  run->wait();
  try {
    run->rethrow_if_failed();
    FAIL() << "no error";
  } catch (const TaskError& e) {
    EXPECT_EQ(e.key(), "remote-7");  // the error as the other process raised it
    EXPECT_EQ(e.worker(), "rank3.cpu-0");
    EXPECT_EQ(e.original_message(), "bad value");
  }
  scheduler->stop();
}

TEST(ExternalTasks, AGraphOfOnlyExternalTasksNeedsNoWorkerThatCanRunThem) {
  auto scheduler = std::make_shared<Scheduler>(cpu_workers(1, 1));
  const TaskPtr source = external();
  Graph graph = build_graph({source});
  auto run = scheduler->start(std::move(graph), {});
  std::vector<std::pair<std::uint32_t, Value>> values{{0, Value(std::string("arrived"))}};
  scheduler->deliver(*run, values);
  run->wait();
  EXPECT_EQ(run->output(0).get<std::string>(), "arrived");
  scheduler->stop();
}

}  // namespace

namespace {
/// Keeps the run records published for one cluster name.
struct RunRecords final : diagnostics::Subscriber {
  std::mutex mutex;
  std::vector<diagnostics::RunRecord> submitted, finished;
  void run_submitted(const diagnostics::RunRecord& r) override {
    std::lock_guard lock(mutex);
    if (r.cluster == "externals-progress") submitted.push_back(r);
  }
  void run_finished(const diagnostics::RunRecord& r) override {
    std::lock_guard lock(mutex);
    if (r.cluster == "externals-progress") finished.push_back(r);
  }
};
}  // namespace

TEST(ExternalTasks, ProgressCountsOnlyTheTasksThatRunHere) {
  auto records = std::make_shared<RunRecords>();
  diagnostics::Bus::instance().subscribe(records);
  {
    auto scheduler = std::make_shared<Scheduler>(cpu_workers(1, 1), "externals-progress");
    TaskPtr in = external();
    Graph graph = build_graph({plus_one(plus_one(in))});
    auto run = scheduler->start(std::move(graph), RunHooks{});
    std::uint32_t input = 0;
    while (run->graph().tasks[input] != in.get()) ++input;
    std::pair<std::uint32_t, Value> value{input, Value(1)};
    scheduler->deliver(*run, std::span(&value, 1));
    run->wait();
    EXPECT_EQ(run->output(0).get<int>(), 3);
  }
  diagnostics::Bus::instance().unsubscribe(records.get());
  std::lock_guard lock(records->mutex);
  ASSERT_EQ(records->submitted.size(), 1u);
  EXPECT_EQ(records->submitted[0].tasks, 2u);  // the two plus-ones, not the delivered value
  for (const auto& [name, count] : records->submitted[0].groups)
    EXPECT_EQ(count, name == "plus-one" ? 2u : 0u) << name;
  ASSERT_EQ(records->finished.size(), 1u);
  EXPECT_EQ(records->finished[0].tasks, 2u);
}
