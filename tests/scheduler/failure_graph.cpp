#include "failure_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <new>
#include <random>
#include <stdexcept>

namespace tessera::failure_test {

namespace {

// splitmix64's finalizer: every input bit reaches every output bit, so a value that took a wrong
// input, or its inputs in the wrong order, differs from the expected one.
std::uint64_t mix(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// The value of a task that succeeds: its salt, the array sum it computed (0 for other kinds) and
// its inputs folded in order.
std::uint64_t task_value(const PlannedTask& task, std::span<const std::uint64_t> inputs,
                         std::int64_t array_sum) {
  std::uint64_t value = mix(task.salt ^ static_cast<std::uint64_t>(array_sum));
  for (std::uint64_t input : inputs) value = mix(value + input);
  return value;
}

// The sum of scale * x + offset over arange(array_length), which the intact stack holds.
std::int64_t expected_array_sum(const PlannedTask& task) {
  return task.scale * (array_length * (array_length - 1) / 2) + task.offset * array_length;
}

class Draw {
 public:
  explicit Draw(std::uint64_t seed) : generator_(seed) {}
  /// 0 .. n-1 (modulo bias is irrelevant here; the raw output keeps plans the same everywhere).
  int below(int n) { return static_cast<int>(generator_() % static_cast<std::uint64_t>(n)); }
  bool percent(int p) { return below(100) < p; }
  std::uint64_t bits() { return generator_(); }
  /// An earlier task of the same component, mostly a recent one: chains and fan-out both occur.
  int input_from(const std::vector<int>& earlier) {
    const int n = static_cast<int>(earlier.size());
    const int recent = std::min(n, 4);
    return percent(50) ? earlier[n - 1 - below(recent)] : earlier[below(n)];
  }

 private:
  std::mt19937_64 generator_;
};

void draw_shape(GraphPlan& plan, Draw& draw) {
  const int tasks = 6 + draw.below(95);
  // Tasks of different components never meet: their outputs must survive any failure elsewhere.
  const int components = 1 + draw.below(5);
  std::vector<std::vector<int>> members(components);
  using Kind = PlannedTask::Kind;
  for (int i = 0; i < tasks; ++i) {
    std::vector<int>& earlier = members[draw.below(components)];
    PlannedTask task;
    task.salt = draw.bits();
    const int roll = draw.below(100);
    int inputs = 0;
    if (earlier.empty()) {
      task.kind = roll < 80 ? Kind::leaf : Kind::array_sum;
    } else if (roll < 15) {
      task.kind = Kind::leaf;
    } else if (roll < 55) {
      task.kind = Kind::combine;
      inputs = 1 + draw.below(3);
    } else if (roll < 80) {
      task.kind = Kind::fan_in;
      inputs = 2 + draw.below(7);
    } else {
      task.kind = Kind::array_sum;
      inputs = 1;
    }
    if (task.kind == Kind::array_sum) {
      task.scale = 1 + draw.below(5);
      task.offset = draw.below(7) - 3;
    }
    for (int k = 0; k < inputs; ++k) task.inputs.push_back(draw.input_from(earlier));
    earlier.push_back(i);
    plan.tasks.push_back(std::move(task));
  }
}

void draw_failures(GraphPlan& plan, Draw& draw) {
  if (draw.percent(15)) return;  // some graphs fail nowhere: the plain path must stay exact
  const int count = 1 + draw.below(3);
  for (int k = 0; k < count; ++k) {
    PlannedTask& task = plan.tasks[draw.below(static_cast<int>(plan.tasks.size()))];
    if (task.kind == PlannedTask::Kind::array_sum)
      task.failure =
          draw.percent(50) ? Failure::array_missing_chunk : Failure::array_truncated_chunk;
    else
      task.failure = static_cast<Failure>(1 + draw.below(3));  // std, non-std, bad_alloc
  }
}

void draw_outputs(GraphPlan& plan, Draw& draw) {
  std::vector<bool> consumed(plan.tasks.size(), false);
  for (const PlannedTask& task : plan.tasks)
    for (int input : task.inputs) consumed[input] = true;
  for (int i = 0; i < static_cast<int>(plan.tasks.size()); ++i) {
    if (!consumed[i]) plan.sinks.push_back(i);
    if (!consumed[i] || draw.percent(30)) plan.outputs.push_back(i);
  }
  if (draw.percent(25))
    plan.top_level_array =
        static_cast<Failure>(std::array{Failure::none, Failure::array_missing_chunk,
                                        Failure::array_truncated_chunk}[draw.below(3)]);
}

// What each task must give: the failures that reach it, else its exact value.
void derive_expectations(GraphPlan& plan) {
  const std::size_t n = plan.tasks.size();
  plan.failed_by.assign(n, {});
  plan.expected.assign(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const PlannedTask& task = plan.tasks[i];
    std::vector<int>& reached = plan.failed_by[i];
    for (int input : task.inputs)
      reached.insert(reached.end(), plan.failed_by[input].begin(), plan.failed_by[input].end());
    std::sort(reached.begin(), reached.end());
    reached.erase(std::unique(reached.begin(), reached.end()), reached.end());
    // A task with a failing ancestor is cancelled before it could fail itself.
    if (reached.empty() && task.failure != Failure::none) reached.push_back(static_cast<int>(i));
    if (!reached.empty()) continue;
    std::vector<std::uint64_t> inputs;
    for (int input : task.inputs) inputs.push_back(plan.expected[input]);
    const std::int64_t sum =
        task.kind == PlannedTask::Kind::array_sum ? expected_array_sum(task) : 0;
    plan.expected[i] = task_value(task, inputs, sum);
  }
}

// What every task function does: count the run, fail as planned, else return its value.
struct TaskBody {
  std::shared_ptr<RunCounts> counts;
  int index;
  PlannedTask task;

  void start() const {
    counts->ran[index].fetch_add(1);
    switch (task.failure) {
      case Failure::std_exception:
        throw std::runtime_error(fmt::format("injected failure in task {}", index));
      case Failure::non_std:
        throw NonStdFailure{index};
      case Failure::bad_alloc:
        throw std::bad_alloc();
      default:
        break;  // the array kinds fail in the array they read
    }
  }
  std::uint64_t finish(std::span<const std::uint64_t> inputs, std::int64_t array_sum = 0) const {
    return task_value(task, inputs, array_sum);
  }
};

Delayed<std::uint64_t> build_task(const TaskBody& body,
                                  const std::vector<Delayed<std::uint64_t>>& built,
                                  const ArrayStacks& stacks) {
  const PlannedTask& task = body.task;
  auto input = [&](std::size_t k) { return built[task.inputs[k]]; };
  // Generic: one lambda serves every arity of combine and array_sum.
  auto combine = [body](const auto&... values) {
    body.start();
    const std::array<std::uint64_t, sizeof...(values)> inputs{values...};
    return body.finish(inputs);
  };
  switch (task.kind) {
    case PlannedTask::Kind::leaf:
      return delayed(combine, "leaf")();
    case PlannedTask::Kind::combine:
      if (task.inputs.size() == 1) return delayed(combine, "combine")(input(0));
      if (task.inputs.size() == 2) return delayed(combine, "combine")(input(0), input(1));
      return delayed(combine, "combine")(input(0), input(1), input(2));
    case PlannedTask::Kind::fan_in: {
      std::vector<Delayed<std::uint64_t>> inputs;
      for (std::size_t k = 0; k < task.inputs.size(); ++k) inputs.push_back(input(k));
      return delayed(
          [body](const std::vector<std::uint64_t>& values) {
            body.start();
            return body.finish(values);
          },
          "fan_in")(inputs);
    }
    case PlannedTask::Kind::array_sum: {
      // A nested compute from inside the task, on the same cluster.
      const Array sum = (stack_for(task.failure, stacks) * task.scale + task.offset).sum();
      auto summed = [body, sum](const auto&... values) {
        body.start();
        const std::array<std::uint64_t, sizeof...(values)> inputs{values...};
        return body.finish(inputs, sum.compute().item<std::int64_t>());
      };
      if (task.inputs.empty()) return delayed(summed, "array_sum")();
      return delayed(summed, "array_sum")(input(0));
    }
  }
  throw std::logic_error("unknown task kind");
}

}  // namespace

const Array& stack_for(Failure failure, const ArrayStacks& stacks) {
  switch (failure) {
    case Failure::array_missing_chunk:
      return stacks.missing_chunk;
    case Failure::array_truncated_chunk:
      return stacks.truncated_chunk;
    default:
      return stacks.intact;
  }
}

const char* failure_name(Failure failure) {
  switch (failure) {
    case Failure::none:
      return "none";
    case Failure::std_exception:
      return "std::runtime_error";
    case Failure::non_std:
      return "non-std throw";
    case Failure::bad_alloc:
      return "std::bad_alloc";
    case Failure::array_missing_chunk:
      return "array chunk file missing";
    case Failure::array_truncated_chunk:
      return "array chunk file truncated";
  }
  return "?";
}

GraphPlan plan_graph(std::uint64_t seed) {
  GraphPlan plan;
  plan.seed = seed;
  Draw draw(seed);
  draw_shape(plan, draw);
  draw_failures(plan, draw);
  draw_outputs(plan, draw);
  derive_expectations(plan);
  return plan;
}

std::vector<Delayed<std::uint64_t>> build_tasks(const GraphPlan& plan, const ArrayStacks& stacks,
                                                std::shared_ptr<RunCounts> counts) {
  std::vector<Delayed<std::uint64_t>> built;
  built.reserve(plan.tasks.size());
  for (std::size_t i = 0; i < plan.tasks.size(); ++i)
    built.push_back(
        build_task(TaskBody{counts, static_cast<int>(i), plan.tasks[i]}, built, stacks));
  return built;
}

}  // namespace tessera::failure_test
