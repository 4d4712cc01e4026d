// Failure at scale: many random task graphs (chains, fan-in, fan-out, delayed tasks that compute
// arrays inside them) with failures injected at random tasks, run on one cluster. For every graph:
// each compute ends within a deadline, every error names a task that failed, outputs no failure
// reaches keep their exact values, tasks downstream of a failure never run and report it, and
// afterwards no thread, descriptor or byte is left behind and the cluster still computes.
//
// TESSERA_FAILURE_GRAPHS=<n> sets the number of graphs (default 1,000, 300 under a sanitizer);
// TESSERA_FAILURE_SEED=<seed> runs only the graph of that seed, as a failure message names it.
#include <gtest/gtest.h>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "failure_graph.hpp"
#include "process_resources.hpp"
#include "scratch_path.hpp"
#include "tessera/tessera.hpp"
#include "watchdog.hpp"

using namespace tessera;
using namespace tessera::failure_test;
namespace fs = std::filesystem;
namespace support = tessera::test_support;

namespace {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr int default_graph_count = 300;  // ThreadSanitizer: about 15 s on 2 cores
#else
constexpr int default_graph_count = 1000;
#endif
constexpr std::uint64_t first_seed = 0x5eed'0000'0000ULL;  // graph k has seed first_seed + k
// Far above any healthy run (milliseconds), far below ctest's 300 s: a hang, not slowness.
constexpr auto compute_deadline = std::chrono::seconds(10);
// How long a finished run may take to let go of its last values and threads (a worker may hold
// the last reference for a moment after compute() returned).
constexpr auto settle_limit = std::chrono::seconds(2);

// Heap growth allowed over the whole test, after the warm-up graphs. The sanitizers' allocators
// count live bytes exactly, as glibc's mallinfo2 does when its thread caches are off (the
// ENVIRONMENT ctest gives this test): what may still grow is the scheduler's reused scratch
// (queues and per-thread buffers sized by the largest graph so far, a few KiB), so 64 KiB is
// generous, yet 1,000 graphs leaking even 64 bytes each exceed it. With the caches on, each
// thread may park 7 freed chunks of each of 64 sizes up to 1 KiB (about 230 KiB) that mallinfo2
// counts as in use; for six threads that is 1.4 MiB, so the bound there is 2 MiB.
constexpr int warm_up_graphs = 10;
std::size_t heap_tolerance() {
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  const bool exact =
      support::heap_bytes_exact ||
      (tunables && std::string(tunables).find("tcache_count=0") != std::string::npos);
  return exact ? 64 * 1024 : 2 * 1024 * 1024;
}

std::optional<std::uint64_t> env_number(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  const std::uint64_t value = std::strtoull(text, &end, 0);
  if (*end != '\0') throw std::invalid_argument(fmt::format("{}='{}' is not a number", name, text));
  return value;
}

// What the run covered, printed at the end.
struct Tally {
  int graphs = 0;
  std::size_t tasks = 0;
  std::array<int, failure_kind_count> planned{}, fired{};  // fired: ran and failed (not cancelled)
  std::size_t values = 0, errors = 0, cancelled = 0;       // futures and tasks checked
  int computes = 0, computes_failed = 0, top_level_arrays = 0, top_level_failed = 0;
  std::int64_t heap_growth = 0;  // heap bytes above the warm-up baseline after the last graph
};

// The three .npy stacks of arange(array_length), written once into a scratch folder: intact, with
// chunk 1's file removed, and with chunk 2's file cut short by its last element.
class Stacks {
 public:
  Stacks()
      : folder_(make_folder(support::scratch("failure_at_scale"))),
        missing_file((folder_ / "missing" / "1.npy").string()),
        truncated_file((folder_ / "truncated" / "2.npy").string()),
        arrays{from_npy_stack((folder_ / "intact").string()),
               from_npy_stack((folder_ / "missing").string()),
               from_npy_stack((folder_ / "truncated").string())} {}
  ~Stacks() { fs::remove_all(folder_); }
  Stacks(const Stacks&) = delete;
  Stacks& operator=(const Stacks&) = delete;

  const std::string& broken_file(Failure failure) const {
    return failure == Failure::array_missing_chunk ? missing_file : truncated_file;
  }

 private:
  static fs::path make_folder(fs::path folder) {
    fs::remove_all(folder);
    const fs::path intact = folder / "intact";
    to_npy_stack(intact.string(), arange(array_length, 4));
    fs::copy(intact, folder / "missing");
    fs::copy(intact, folder / "truncated");
    fs::remove(folder / "missing" / "1.npy");
    const fs::path cut = folder / "truncated" / "2.npy";
    fs::resize_file(cut, fs::file_size(cut) - sizeof(std::int64_t));
    return folder;
  }
  fs::path folder_;  // first: the others are made from it

 public:
  const std::string missing_file, truncated_file;
  const ArrayStacks arrays;
};

// Checks `error` against the plan: it names (by key) one of `allowed`, the tasks whose failure
// may reach this output, and carries what that task threw.
::testing::AssertionResult names_a_failure(const TaskError& error, const GraphPlan& plan,
                                           const std::vector<Delayed<std::uint64_t>>& tasks,
                                           const std::vector<int>& allowed, const Stacks& stacks) {
  int failed = -1;
  for (int candidate : allowed)
    if (tasks[candidate].key() == error.key()) failed = candidate;
  if (failed < 0)
    return ::testing::AssertionFailure() << "the error names " << error.key()
                                         << ", not a failing task upstream: " << error.what();
  if (std::string(error.what()).find(error.key()) == std::string::npos)
    return ::testing::AssertionFailure() << "the message does not name the task: " << error.what();
  const Failure kind = plan.tasks[failed].failure;
  try {
    std::rethrow_exception(error.original());
  } catch (const NonStdFailure& thrown) {
    if (kind == Failure::non_std && thrown.task == failed) return ::testing::AssertionSuccess();
  } catch (const std::bad_alloc&) {
    if (kind == Failure::bad_alloc) return ::testing::AssertionSuccess();
  } catch (const TaskError& inner) {  // the nested array compute failed: its chunk read did
    const std::string& file = stacks.broken_file(kind);
    if ((kind == Failure::array_missing_chunk || kind == Failure::array_truncated_chunk) &&
        inner.key().starts_with("from-npy-stack-") &&
        inner.original_message().find(file) != std::string::npos)
      return ::testing::AssertionSuccess();
  } catch (const std::runtime_error& thrown) {
    if (kind == Failure::std_exception &&
        std::string(thrown.what()) == fmt::format("injected failure in task {}", failed) &&
        error.original_message() == thrown.what())
      return ::testing::AssertionSuccess();
  } catch (...) {
  }
  return ::testing::AssertionFailure() << "task " << failed << " was to fail with "
                                       << failure_name(kind) << ", the error is " << error.what();
}

class FailureRunner {
 public:
  explicit FailureRunner(support::Watchdog& watchdog)
      : watchdog_(watchdog),
        cluster_({.n_workers = 2,
                  .threads_per_worker = 2,
                  .n_gpu_workers = 0,
                  .dashboard_address = "",
                  .name = "failure-at-scale",
                  // No memory monitor: its periodic read of /proc/self/statm opens a descriptor
                  // and allocates at moments of its own, which the leak checks would count.
                  .memory_spill = 0}),
        client_(cluster_),
        stacks_() {
    warm_up();
    threads_ = support::thread_count();
    fds_ = support::open_fd_count();
  }

  void run(int index, std::uint64_t seed) {
    const GraphPlan plan = plan_graph(seed);
    SCOPED_TRACE(fmt::format("graph {} of seed {:#x} ({} tasks); rerun: TESSERA_FAILURE_SEED={:#x}",
                             index, seed, plan.tasks.size(), seed));
    count_plan(plan);
    {
      auto counts = std::make_shared<RunCounts>(plan.tasks.size());
      const auto tasks = build_tasks(plan, stacks_.arrays, counts);
      watchdog_.arm(fmt::format("graph seed {:#x}: its runs did not finish", seed),
                    compute_deadline);
      // compute() of the sinks from a second thread while the futures' run goes on: two runs of
      // the same tasks fail side by side.
      ComputeOutcome outcome;
      std::thread second([&] { outcome = compute_sinks(plan, tasks); });
      std::shared_ptr<Computation> futures_run = run_as_futures(plan, tasks);
      second.join();
      check_compute(plan, tasks, outcome);
      check_runs(plan, *counts, /*runs=*/2);
      check_held_by_finished_run(plan);
      futures_run.reset();
      watchdog_.arm(fmt::format("graph seed {:#x}: the cluster hung after it", seed),
                    compute_deadline);
      EXPECT_EQ(client_.submit([](int x) { return x * x; }, 7).result(), 49)
          << "the cluster does not compute after the graph";
      watchdog_.disarm();
    }
    if (index == warm_up_graphs - 1) heap_ = settled_heap();
    check_nothing_left(index >= warm_up_graphs);
  }

  /// Closes the cluster; its threads and descriptors must all be gone then.
  void close(std::size_t threads_before, std::size_t fds_before) {
    client_.close();
    cluster_.close();
    const auto deadline = std::chrono::steady_clock::now() + settle_limit;
    while ((support::thread_count() != threads_before || support::open_fd_count() != fds_before) &&
           std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(support::thread_count(), threads_before) << "threads left after close()";
    EXPECT_EQ(support::open_fd_count(), fds_before) << "descriptors left after close()";
  }

  const Tally& tally() const { return tally_; }

 private:
  // Lazily made state must exist before the baselines: each worker thread keeps the tile
  // buffers of the array kernels it ran (thread_local, a few hundred KiB), so every thread must
  // have run the largest kernel the graphs use. Rounds of many array tasks at once, each with a
  // nested compute that its own thread helps run, reach every thread.
  void warm_up() {
    const Array& intact = stacks_.arrays.intact;
    for (int round = 0; round < 4; ++round) {
      std::vector<Delayed<std::int64_t>> sums;
      for (int k = 0; k < 32; ++k)
        sums.push_back(delayed(
            [intact, k] {
              return (intact * k + 1).sum().compute().item<std::int64_t>() +
                     intact.compute().data<std::int64_t>()[0];
            },
            "warm_up")());
      std::ignore = compute(sums);
    }
    EXPECT_THROW(stacks_.arrays.missing_chunk.compute(), TaskError);
  }

  void count_plan(const GraphPlan& plan) {
    ++tally_.graphs;
    tally_.tasks += plan.tasks.size();
    for (std::size_t i = 0; i < plan.tasks.size(); ++i) {
      const auto kind = static_cast<std::size_t>(plan.tasks[i].failure);
      if (plan.tasks[i].failure == Failure::none) continue;
      ++tally_.planned[kind];
      if (plan.runs(static_cast<int>(i))) ++tally_.fired[kind];
    }
  }

  // All requested outputs in one run, read through futures in a shuffled order, with a
  // top-level array compute from this thread while the run goes on.
  std::shared_ptr<Computation> run_as_futures(const GraphPlan& plan,
                                              const std::vector<Delayed<std::uint64_t>>& tasks) {
    std::vector<TaskPtr> roots;
    for (int task : plan.outputs) roots.push_back(tasks[task].node());
    auto computation = client_.executor()->submit(build_graph(roots));
    std::vector<Future<std::uint64_t>> futures;
    for (std::size_t k = 0; k < plan.outputs.size(); ++k)
      futures.emplace_back(computation, k, tasks[plan.outputs[k]].key());
    if (plan.top_level_array) compute_top_level_array(*plan.top_level_array);

    // Waiting on outputs out of order: a later output may finish first, or fail first.
    std::vector<std::size_t> order(futures.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    std::shuffle(order.begin(), order.end(), std::mt19937_64(plan.seed));
    for (std::size_t k : order) {
      const int task = plan.outputs[k];
      const Future<std::uint64_t>& future = futures[k];
      if (!plan.affected(task)) {
        EXPECT_EQ(future.result(), plan.expected[task]) << "task " << task << " lost its value";
        EXPECT_EQ(future.status(), "finished");
        ++tally_.values;
        continue;
      }
      const std::exception_ptr error = future.exception();
      EXPECT_EQ(future.status(), "error") << "task " << task;
      ++tally_.errors;
      try {
        std::rethrow_exception(error);
      } catch (const TaskError& e) {
        EXPECT_TRUE(names_a_failure(e, plan, tasks, plan.failed_by[task], stacks_))
            << "output task " << task;
      } catch (...) {
        ADD_FAILURE() << "task " << task << " raised something other than a TaskError";
      }
    }
    computation->wait();
    return computation;
  }

  // A finished run that is still held keeps its requested results that exist, and nothing else:
  // not the inputs of tasks a failure cancelled (the compute() run, done by now, lets go of its
  // own a moment after it returned).
  void check_held_by_finished_run(const GraphPlan& plan) {
    std::int64_t expected = 0;
    for (int task : plan.outputs)
      if (!plan.affected(task)) expected += static_cast<std::int64_t>(sizeof(std::uint64_t));
    const auto deadline = std::chrono::steady_clock::now() + settle_limit;
    while (held_bytes() != expected && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(held_bytes(), expected) << "bytes held by the finished run beyond its outputs";
  }

  struct ComputeOutcome {
    std::vector<std::uint64_t> values;
    std::exception_ptr error;
  };
  static ComputeOutcome compute_sinks(const GraphPlan& plan,
                                      const std::vector<Delayed<std::uint64_t>>& tasks) {
    std::vector<Delayed<std::uint64_t>> sinks;
    for (int task : plan.sinks) sinks.push_back(tasks[task]);
    ComputeOutcome outcome;
    try {
      outcome.values = compute(sinks);
    } catch (...) {
      outcome.error = std::current_exception();
    }
    return outcome;
  }

  // The sinks' values, or the error of the first sink a failure reaches.
  void check_compute(const GraphPlan& plan, const std::vector<Delayed<std::uint64_t>>& tasks,
                     const ComputeOutcome& outcome) {
    const auto first_failed =
        std::find_if(plan.sinks.begin(), plan.sinks.end(), [&](int t) { return plan.affected(t); });
    ++tally_.computes;
    if (!outcome.error) {
      EXPECT_EQ(first_failed, plan.sinks.end()) << "compute() returned despite a failure";
      for (std::size_t k = 0; k < plan.sinks.size(); ++k)
        EXPECT_EQ(outcome.values[k], plan.expected[plan.sinks[k]]) << "sink task " << plan.sinks[k];
      return;
    }
    ++tally_.computes_failed;
    try {
      std::rethrow_exception(outcome.error);
    } catch (const TaskError& e) {
      if (first_failed == plan.sinks.end()) {
        ADD_FAILURE() << "compute() failed where nothing should: " << e.what();
        return;
      }
      EXPECT_TRUE(names_a_failure(e, plan, tasks, plan.failed_by[*first_failed], stacks_))
          << "compute(), whose first failed sink is task " << *first_failed;
    } catch (...) {
      ADD_FAILURE() << "compute() raised something other than a TaskError";
    }
  }

  // A task that no failure reaches ran exactly once per run, as did one that failed itself; a
  // task downstream of a failure never ran.
  void check_runs(const GraphPlan& plan, const RunCounts& counts, int runs) {
    for (std::size_t i = 0; i < plan.tasks.size(); ++i) {
      const int task = static_cast<int>(i);
      const int expected = plan.runs(task) ? runs : 0;
      EXPECT_EQ(counts.ran[i].load(), expected)
          << "task " << task
          << (expected ? " should have run once per run" : " ran after a failure");
      if (!expected) ++tally_.cancelled;
    }
  }

  void compute_top_level_array(Failure failure) {
    ++tally_.top_level_arrays;
    try {
      const NDArray values = stack_for(failure, stacks_.arrays).compute();
      EXPECT_EQ(failure, Failure::none) << "an array with a broken chunk file computed";
      for (std::int64_t x = 0; x < array_length; ++x) EXPECT_EQ(values.data<std::int64_t>()[x], x);
    } catch (const TaskError& e) {
      ++tally_.top_level_failed;
      EXPECT_NE(failure, Failure::none) << e.what();
      EXPECT_TRUE(e.key().starts_with("from-npy-stack-")) << e.what();
      EXPECT_NE(e.original_message().find(stacks_.broken_file(failure)), std::string::npos)
          << e.what();
    }
  }

  std::int64_t held_bytes() const {
    std::int64_t held = 0;
    for (const WorkerInfo& worker : cluster_.executor()->workers()) held += worker.memory;
    return held;
  }

  std::size_t settled_heap() const {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the last run's release
    return support::heap_bytes();
  }

  // Threads, descriptors and result bytes back where they were; heap bytes within tolerance.
  void check_nothing_left(bool check_heap) {
    const std::size_t tolerance = heap_tolerance();
    auto settled = [&] {
      return support::thread_count() == threads_ && support::open_fd_count() == fds_ &&
             held_bytes() == 0 && (!check_heap || support::heap_bytes() <= heap_ + tolerance);
    };
    const auto deadline = std::chrono::steady_clock::now() + settle_limit;
    while (!settled() && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    EXPECT_EQ(support::thread_count(), threads_) << "threads leaked";
    EXPECT_EQ(support::open_fd_count(), fds_) << "file descriptors leaked; open now:\n"
                                              << support::open_fd_targets();
    EXPECT_EQ(held_bytes(), 0) << "the cluster still counts result bytes as held";
    if (check_heap) {
      const std::size_t heap = support::heap_bytes();
      tally_.heap_growth = static_cast<std::int64_t>(heap) - static_cast<std::int64_t>(heap_);
      EXPECT_LE(heap, heap_ + tolerance)
          << "heap grew by " << (heap - heap_) << " bytes since graph " << warm_up_graphs - 1;
    }
  }

  support::Watchdog& watchdog_;
  LocalCluster cluster_;
  Client client_;
  Stacks stacks_;
  std::size_t threads_ = 0, fds_ = 0, heap_ = 0;
  Tally tally_;
};

void print(const Tally& tally, double seconds) {
  std::cout << fmt::format("{} graphs, {} tasks in {:.1f} s\n", tally.graphs, tally.tasks, seconds);
  for (int kind = 1; kind < failure_kind_count; ++kind)
    std::cout << fmt::format("  injected {:<28} {:>5} (ran and failed: {}, cancelled first: {})\n",
                             failure_name(static_cast<Failure>(kind)), tally.planned[kind],
                             tally.fired[kind], tally.planned[kind] - tally.fired[kind]);
  std::cout << fmt::format(
      "  futures checked: {} values, {} errors; tasks seen not to run after a failure: {}\n"
      "  compute() calls: {} ({} raised); top-level array computes: {} ({} raised)\n"
      "  heap after the last graph: {} bytes above the warm-up baseline (tolerance {})\n",
      tally.values, tally.errors, tally.cancelled, tally.computes, tally.computes_failed,
      tally.top_level_arrays, tally.top_level_failed, tally.heap_growth, heap_tolerance());
}

}  // namespace

TEST(FailureAtScale, RandomGraphsFailCleanlyAndLeaveNothingBehind) {
  const auto only_seed = env_number("TESSERA_FAILURE_SEED");
  const int graphs =
      static_cast<int>(env_number("TESSERA_FAILURE_GRAPHS").value_or(default_graph_count));
  const auto start = std::chrono::steady_clock::now();
  // Started before the counts are taken: its thread (and the threads a sanitizer's runtime starts
  // with the first one) are there before the cluster and after it.
  support::Watchdog watchdog;
  const std::size_t threads_before = support::thread_count(), fds_before = support::open_fd_count();
  Tally tally;
  {
    FailureRunner runner(watchdog);
    if (only_seed) {
      runner.run(0, *only_seed);
    } else {
      for (int k = 0; k < graphs && !::testing::Test::HasFailure(); ++k)
        runner.run(k, first_seed + static_cast<std::uint64_t>(k));
    }
    tally = runner.tally();
    runner.close(threads_before, fds_before);
  }
  print(tally, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  // The plans must cover what the test claims to check.
  if (!only_seed && graphs >= 100 && tally.graphs == graphs) {
    for (int kind = 1; kind < failure_kind_count; ++kind)
      EXPECT_GT(tally.fired[kind], 0) << failure_name(static_cast<Failure>(kind));
    EXPECT_GT(tally.cancelled, 0u);
    EXPECT_GT(tally.values, 0u);
  }
}
