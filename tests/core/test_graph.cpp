#include <gtest/gtest.h>

#include <set>

#include "tessera/graph.hpp"

using namespace tessera;

namespace {
TaskPtr task(std::string name, std::vector<TaskPtr> deps = {}) {
  return std::make_shared<const TaskNode>(
      std::move(name), std::move(deps),
      [](std::span<const Value* const>, const TaskContext&) -> Value { return 0; });
}
std::size_t position(const Graph& g, const TaskPtr& t) {
  for (std::size_t i = 0; i < g.size(); ++i)
    if (g.tasks[i] == t.get()) return i;
  return SIZE_MAX;
}
}  // namespace

TEST(BuildGraph, DependenciesComeFirstAndSharedTasksOnce) {
  auto a = task("a"), b = task("b", {a}), c = task("c", {a}), d = task("d", {b, c});
  Graph g = build_graph({d, b});
  ASSERT_EQ(g.size(), 4u);
  EXPECT_LT(position(g, a), position(g, b));
  EXPECT_LT(position(g, a), position(g, c));
  EXPECT_LT(position(g, b), position(g, d));
  EXPECT_LT(position(g, c), position(g, d));
  ASSERT_EQ(g.outputs.size(), 2u);
  EXPECT_EQ(g.tasks[g.outputs[0]], d.get());
  EXPECT_EQ(g.tasks[g.outputs[1]], b.get());
  // Edges both ways.
  auto ia = static_cast<std::uint32_t>(position(g, a));
  EXPECT_EQ(g.consumers(ia).size(), 2u);
  EXPECT_EQ(g.dependencies(static_cast<std::uint32_t>(position(g, d))).size(), 2u);
}

TEST(BuildGraph, RepeatedDependencyKeepsBothEdges) {
  auto a = task("a"), b = task("b", {a, a});
  Graph g = build_graph({b});
  ASSERT_EQ(g.size(), 2u);
  EXPECT_EQ(g.dependencies(1).size(), 2u);
  EXPECT_EQ(g.consumers(0).size(), 2u);
}

TEST(BuildGraph, LongChainDoesNotRecurse) {
  TaskPtr t = task("x");
  for (int i = 0; i < 200'000; ++i) t = task("x", {t});
  Graph g = build_graph({t});
  EXPECT_EQ(g.size(), 200'001u);
  for (std::uint32_t i = 1; i < g.size(); ++i) ASSERT_EQ(g.dependencies(i)[0], i - 1);
}

TEST(BuildGraph, KeysAreUniqueAndNamed) {
  auto a = task("load"), b = task("load");
  EXPECT_NE(a->key(), b->key());
  EXPECT_EQ(a->key().rfind("load-", 0), 0u);
}

TEST(TaskNode, RejectsMissingImplementations) {
  EXPECT_THROW(TaskNode("t", {}, TaskFunction{}), std::invalid_argument);
  EXPECT_THROW(TaskNode("t", {nullptr}, [](auto, auto&) -> Value { return 0; }),
               std::invalid_argument);
  // A function for no backend at all: nowhere to run.
  try {
    TaskNode("nowhere", {}, TaskFunctions{}.on(Backend::cuda, TaskFunction{}));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nowhere"), std::string::npos) << e.what();
  }
}

TEST(BuildGraph, CountsTaskGroupsInOrderOfFirstAppearance) {
  // Six names cycled through (more than the four recent groups build_graph checks before
  // hashing), in 60 independent tasks, plus runs of one name.
  const char* names[] = {"n0", "n1", "n2", "n3", "n4", "n5"};
  std::vector<TaskPtr> outputs;
  for (int i = 0; i < 60; ++i) outputs.push_back(task(names[i % 6]));
  for (int i = 0; i < 7; ++i) outputs.push_back(task("run"));
  for (int i = 0; i < 5; ++i) outputs.push_back(task(i % 2 ? "n1" : "n4"));
  Graph g = build_graph(outputs);
  ASSERT_EQ(g.groups.size(), 7u);
  const std::size_t expected[] = {10, 12, 10, 10, 13, 10};  // n1: 10 + 2, n4: 10 + 3
  for (std::size_t k = 0; k < 6; ++k) {
    EXPECT_EQ(g.groups[k].name, names[k]);
    EXPECT_EQ(g.groups[k].tasks, expected[k]) << k;
  }
  EXPECT_EQ(g.groups[6].name, "run");
  EXPECT_EQ(g.groups[6].tasks, 7u);
}

TEST(BuildGraph, ListsEdgesBetweenTaskGroupsOnce) {
  // Two "load" tasks feed three "clean" tasks each, all cleans feed one "total"; "load" also
  // feeds "total" directly. Edges: load -> clean, clean -> total, load -> total, each once.
  std::vector<TaskPtr> loads = {task("load"), task("load")};
  std::vector<TaskPtr> cleans;
  for (int i = 0; i < 6; ++i) cleans.push_back(task("clean", {loads[i % 2]}));
  std::vector<TaskPtr> inputs = cleans;
  inputs.push_back(loads[0]);
  Graph g = build_graph({task("total", inputs)});
  ASSERT_EQ(g.groups.size(), 3u);
  auto index = [&](const char* name) {
    for (std::uint32_t k = 0; k < g.groups.size(); ++k)
      if (g.groups[k].name == name) return k;
    return UINT32_MAX;
  };
  std::set<std::pair<std::uint32_t, std::uint32_t>> edges(g.group_edges.begin(),
                                                          g.group_edges.end());
  EXPECT_EQ(edges.size(), g.group_edges.size()) << "no edge twice";
  const std::set<std::pair<std::uint32_t, std::uint32_t>> expected = {
      {index("load"), index("clean")},
      {index("clean"), index("total")},
      {index("load"), index("total")}};
  EXPECT_EQ(edges, expected);
  // A task's own group never points at itself.
  Graph chain = build_graph({task("step", {task("step", {task("step")})})});
  EXPECT_TRUE(chain.group_edges.empty());
}
