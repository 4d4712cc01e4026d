#include "tessera/graph.hpp"

#include <algorithm>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

namespace tessera {

Graph build_graph(std::vector<TaskPtr> outputs) {
  Graph graph;
  std::unordered_map<const TaskNode*, std::uint32_t> index_of;
  index_of.reserve(outputs.size() * 2);

  // Iterative post-order DFS: a node is appended after all of its dependencies, which gives a
  // topological order without recursion (a 10,000-long chain must not overflow the stack).
  struct Frame {
    const TaskNode* node;
    std::size_t next_dependency;
  };
  std::vector<Frame> stack;
  for (const auto& output : outputs) {
    if (!output) throw std::invalid_argument("build_graph: null output task");
    if (index_of.count(output.get())) continue;
    stack.push_back({output.get(), 0});
    index_of.emplace(output.get(), UINT32_MAX);  // UINT32_MAX: on the stack, not yet placed
    while (!stack.empty()) {
      Frame& frame = stack.back();
      const auto& dependencies = frame.node->dependencies();
      if (frame.next_dependency < dependencies.size()) {
        const TaskNode* dependency = dependencies[frame.next_dependency++].get();
        if (index_of.emplace(dependency, UINT32_MAX).second) stack.push_back({dependency, 0});
        continue;
      }
      index_of[frame.node] = static_cast<std::uint32_t>(graph.tasks.size());
      graph.tasks.push_back(frame.node);
      stack.pop_back();
    }
  }

  const std::size_t n = graph.tasks.size();
  graph.dep_offset.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    graph.dep_offset[i + 1] = graph.dep_offset[i] + graph.tasks[i]->dependencies().size();
  graph.dep_index.resize(graph.dep_offset[n]);
  for (std::size_t i = 0; i < n; ++i) {
    std::uint32_t* out = graph.dep_index.data() + graph.dep_offset[i];
    for (const auto& dependency : graph.tasks[i]->dependencies())
      *out++ = index_of.at(dependency.get());
  }
  graph.outputs.reserve(outputs.size());
  for (const auto& output : outputs) graph.outputs.push_back(index_of.at(output.get()));
  graph.roots = std::move(outputs);
  detail::index_graph(graph);
  return graph;
}

namespace detail {

void index_graph(Graph& graph) {
  const std::size_t n = graph.tasks.size();
  std::vector<std::uint32_t> consumer_count(n, 0);
  // A task's group is nearly always one of the last few seen (runs of one name, or a few names
  // interleaved by the post-order walk, like "random" and "store"): look there before hashing.
  std::unordered_map<std::string_view, std::size_t> group_index;
  constexpr std::size_t kRecentGroups = 4;
  std::size_t recent[kRecentGroups] = {};  // indices into graph.groups, most recent first
  std::size_t recent_count = 0;
  graph.group_of.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const TaskNode& task = *graph.tasks[i];
    // External tasks run nowhere: their values are delivered.
    if (!task.external()) graph.common_backends = graph.common_backends & task.backends();
    const std::string_view name = task.name();
    std::size_t r = 0;
    while (r < recent_count && graph.groups[recent[r]].name != name) ++r;
    std::size_t group;
    if (r < recent_count) {
      group = recent[r];
    } else {
      auto [it, added] = group_index.emplace(name, graph.groups.size());
      if (added) graph.groups.push_back({name, 0});
      group = it->second;
      r = std::min(recent_count++, kRecentGroups - 1);
      recent_count = std::min(recent_count, kRecentGroups);
    }
    for (; r > 0; --r) recent[r] = recent[r - 1];  // move to the front
    recent[0] = group;
    // A group counts the tasks that run here: an external task's value is computed elsewhere
    // (progress shows this process's share; the group stays for its edges).
    if (!task.external()) ++graph.groups[group].tasks;
    graph.group_of[i] = static_cast<std::uint32_t>(group);
  }
  std::unordered_set<std::uint64_t> group_edges;  // (from << 32) | to
  std::uint64_t last_edge = UINT64_MAX;           // edges repeat in runs: skip the set for those
  for (std::size_t i = 0; i < n; ++i) {
    for (std::uint32_t d : graph.dependencies(static_cast<std::uint32_t>(i))) {
      ++consumer_count[d];
      const std::uint32_t from = graph.group_of[d], to = graph.group_of[i];
      const std::uint64_t edge = (std::uint64_t{from} << 32) | to;
      if (from != to && edge != last_edge && group_edges.insert(edge).second)
        graph.group_edges.emplace_back(from, to);
      last_edge = edge;
    }
  }
  graph.consumer_offset.assign(n + 1, 0);
  for (std::size_t i = 0; i < n; ++i)
    graph.consumer_offset[i + 1] = graph.consumer_offset[i] + consumer_count[i];
  graph.consumer_index.resize(graph.consumer_offset[n]);
  std::vector<std::uint32_t> fill(graph.consumer_offset.begin(), graph.consumer_offset.end() - 1);
  for (std::uint32_t i = 0; i < n; ++i)
    for (std::uint32_t d : graph.dependencies(i)) graph.consumer_index[fill[d]++] = i;
}

}  // namespace detail
}  // namespace tessera
