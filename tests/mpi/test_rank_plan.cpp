// Who runs what over ranks (rank_plan.hpp), checked without MPI: owners, each rank's own graph,
// where values go, and that a rank of a large simulated world holds only its share.

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <set>
#include <vector>

#include "rank_plan.hpp"
#include "tessera/task.hpp"

namespace tessera::detail {
namespace {

TaskPtr task(const std::string& name, std::vector<TaskPtr> dependencies = {}) {
  return std::make_shared<const TaskNode>(
      name, std::move(dependencies),
      TaskFunction([](std::span<const Value* const>, const TaskContext&) { return Value(0); }));
}

/// leaf0..leaf5 -> add(leaf 2k, leaf 2k+1) -> total(add0, add1, add2)
struct Tree {
  std::vector<TaskPtr> leaves, adds;
  TaskPtr total;
  Graph graph;
  Tree() {
    for (int i = 0; i < 6; ++i) leaves.push_back(task("leaf"));
    for (int k = 0; k < 3; ++k) adds.push_back(task("add", {leaves[2 * k], leaves[2 * k + 1]}));
    total = task("total", adds);
    graph = build_graph({total});
  }
  std::uint32_t index(const TaskPtr& node) const {
    return static_cast<std::uint32_t>(
        std::find(graph.tasks.begin(), graph.tasks.end(), node.get()) - graph.tasks.begin());
  }
};

TEST(RankPlan, LeavesTakeTurnsAndOtherTasksFollowTheirFirstInput) {
  Tree tree;
  const RankPlan plan = plan_rank(tree.graph, 0, 4);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(plan.owner[tree.index(tree.leaves[i])], i % 4) << i;
  for (int k = 0; k < 3; ++k) EXPECT_EQ(plan.owner[tree.index(tree.adds[k])], (2 * k) % 4) << k;
  EXPECT_EQ(plan.owner[tree.index(tree.total)], 0);
}

TEST(RankPlan, EveryRanksGraphHoldsItsTasksTheirInputsAndTheOutputs) {
  Tree tree;
  for (int rank = 0; rank < 4; ++rank) {
    const RankPlan plan = plan_rank(tree.graph, rank, 4);
    std::set<std::uint32_t> held(plan.global_of.begin(), plan.global_of.end());
    for (std::uint32_t i = 0; i < tree.graph.size(); ++i) {
      const bool owned = plan.owner[i] == rank;
      bool input_of_owned = false;
      for (std::uint32_t c : tree.graph.consumers(i)) input_of_owned |= plan.owner[c] == rank;
      const bool output = i == tree.index(tree.total);
      EXPECT_EQ(held.count(i) == 1, owned || input_of_owned || output) << rank << " " << i;
      if (plan.local_of[i] < 0) continue;
      const TaskNode& local = *plan.local.tasks[plan.local_of[i]];
      EXPECT_EQ(local.external(), !owned) << rank << " " << i;
      EXPECT_EQ(local.name(), tree.graph.tasks[i]->name());
    }
    ASSERT_EQ(plan.local.outputs.size(), 1u);
    EXPECT_EQ(plan.global_of[plan.local.outputs[0]], tree.index(tree.total));
  }
}

TEST(RankPlan, ValuesGoToTheRanksThatReadThemAndOutputsToAll) {
  Tree tree;
  // leaf1 (rank 1) feeds add0 (rank 0); leaf3 (rank 3) feeds add1 (rank 2).
  const RankPlan r1 = plan_rank(tree.graph, 1, 4);
  EXPECT_EQ(r1.destinations[r1.local_of[tree.index(tree.leaves[1])]], std::vector<int>{0});
  const RankPlan r3 = plan_rank(tree.graph, 3, 4);
  EXPECT_EQ(r3.destinations[r3.local_of[tree.index(tree.leaves[3])]], std::vector<int>{2});
  // total runs on rank 0 and every other rank receives it.
  const RankPlan r0 = plan_rank(tree.graph, 0, 4);
  EXPECT_EQ(r0.destinations[r0.local_of[tree.index(tree.total)]], (std::vector<int>{1, 2, 3}));
  // add2 (rank 0, from leaf4) reads leaf5 from rank 1 and feeds total on rank 0: nothing to send.
  EXPECT_TRUE(r0.destinations[r0.local_of[tree.index(tree.adds[2])]].empty());
}

TEST(RankPlan, ARankOfALargeWorldHoldsOnlyItsShare) {
  // 100,000 independent leaves summed in a tree of fan-in 8, over a simulated 1,024 ranks.
  std::vector<TaskPtr> level;
  for (int i = 0; i < 100000; ++i) level.push_back(task("chunk"));
  while (level.size() > 1) {
    std::vector<TaskPtr> next;
    for (std::size_t k = 0; k < level.size(); k += 8)
      next.push_back(task(
          "combine",
          std::vector<TaskPtr>(level.begin() + k, level.begin() + std::min(k + 8, level.size()))));
    level = std::move(next);
  }
  const Graph graph = build_graph(level);
  const RankPlan plan = plan_rank(graph, 5, 1024);
  // Its ~98 leaves, the combines it owns and their inputs, and the output: far from 114,000.
  EXPECT_LT(plan.local.size(), 400u) << plan.local.size();
  EXPECT_GE(plan.local.size(), 97u);
}

TEST(RankPlan, ATaskWithAHomeRunsThereAndTakesNoTurn) {
  auto body =
      TaskFunction([](std::span<const Value* const>, const TaskContext&) { return Value(0); });
  const TaskPtr held = std::make_shared<const TaskNode>("load", std::vector<TaskPtr>{},
                                                        TaskFunctions(body), false, /*home=*/3);
  const TaskPtr a = task("leaf"), b = task("leaf");
  const TaskPtr sum = task("sum", {a, held, b});
  const Graph graph = build_graph({sum});
  const RankPlan plan = plan_rank(graph, 0, 4);
  for (std::uint32_t i = 0; i < graph.size(); ++i) {
    if (graph.tasks[i] == held.get()) {
      EXPECT_EQ(plan.owner[i], 3);
    } else if (graph.tasks[i] == a.get()) {
      EXPECT_EQ(plan.owner[i], 0);
    } else if (graph.tasks[i] == b.get()) {
      EXPECT_EQ(plan.owner[i], 1);  // the held task took no turn
    }
  }
}

TEST(RankPlan, RejectsARankOutsideTheWorld) {
  Tree tree;
  EXPECT_THROW(plan_rank(tree.graph, 4, 4), std::invalid_argument);
  EXPECT_THROW(plan_rank(tree.graph, 0, 0), std::invalid_argument);
}

}  // namespace
}  // namespace tessera::detail
