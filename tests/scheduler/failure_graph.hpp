#pragma once
// Random task graphs with injected failures, for test_failure_at_scale: a plan drawn from a seed
// (shape, failures, what each task must give), and the delayed tasks that carry it out.

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "tessera/array.hpp"
#include "tessera/delayed.hpp"

namespace tessera::failure_test {

/// How a task fails. The array kinds fail inside a task's nested Array::compute(): one chunk
/// file of the array it reads is missing, or cut short after its header.
enum class Failure : std::uint8_t {
  none,
  std_exception,
  non_std,
  bad_alloc,
  array_missing_chunk,
  array_truncated_chunk,
};
inline constexpr int failure_kind_count = 6;
const char* failure_name(Failure failure);

/// What a task throws for Failure::non_std: no std::exception in its bases.
struct NonStdFailure {
  int task;
};

struct PlannedTask {
  enum class Kind : std::uint8_t {
    leaf,       ///< no inputs
    combine,    ///< one to three Delayed arguments
    fan_in,     ///< a std::vector<Delayed> argument of two to eight
    array_sum,  ///< up to one Delayed argument, plus the sum of an array computed in the task
  };
  Kind kind = Kind::leaf;
  std::vector<int> inputs;  ///< earlier tasks, in argument order (may repeat)
  Failure failure = Failure::none;
  std::uint64_t salt = 0;              ///< makes every task's value different
  std::int64_t scale = 1, offset = 0;  ///< array_sum: sums scale * x + offset over the array
};

/// A graph to run: tasks in topological order and what a correct scheduler must give.
struct GraphPlan {
  std::uint64_t seed = 0;
  std::vector<PlannedTask> tasks;
  /// Requested outputs: every sink (a task nobody consumes) and a random share of the others.
  std::vector<int> outputs;
  std::vector<int> sinks;
  /// A top-level Array::compute() to run from the test's thread while the graph runs, reading
  /// the stack of this failure (Failure::none: the intact one); absent: none.
  std::optional<Failure> top_level_array;

  /// Per task: the failing tasks whose error reaches it (itself, when it fails and nothing before
  /// it does). Empty: no failure reaches it and it returns expected[i].
  std::vector<std::vector<int>> failed_by;
  std::vector<std::uint64_t> expected;

  bool affected(int task) const { return !failed_by[task].empty(); }
  /// Whether the task runs at all: a task with a failing ancestor is cancelled.
  bool runs(int task) const {
    return failed_by[task].empty() ||
           (failed_by[task].size() == 1 && failed_by[task].front() == task);
  }
};

/// Draws a graph from `seed` (the same plan for the same seed on every platform: only the
/// generator's raw output is used, no std distributions).
GraphPlan plan_graph(std::uint64_t seed);

/// The three .npy stacks the array tasks read: arange(array_length) as int64, intact, with a
/// chunk file missing, and with a chunk file cut short.
struct ArrayStacks {
  Array intact, missing_chunk, truncated_chunk;
};
inline constexpr std::int64_t array_length = 12;
/// The stack a task with `failure` reads (the intact one unless it is an array failure).
const Array& stack_for(Failure failure, const ArrayStacks& stacks);

/// How many times each task's function ran.
struct RunCounts {
  explicit RunCounts(std::size_t tasks) : ran(tasks) {}
  std::vector<std::atomic<int>> ran;
};

/// The plan's tasks as delayed values, one per planned task.
std::vector<Delayed<std::uint64_t>> build_tasks(const GraphPlan& plan, const ArrayStacks& stacks,
                                                std::shared_ptr<RunCounts> counts);

}  // namespace tessera::failure_test
