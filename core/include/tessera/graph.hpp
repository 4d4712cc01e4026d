#pragma once
// A task graph flattened for execution: tasks in topological order with index-based edges.

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "tessera/task.hpp"

namespace tessera {

/// The tasks reachable from a set of outputs, in topological order (dependencies first).
/// Tasks of one task group (one TaskNode name) in a graph: what progress bars count against.
struct TaskGroupCount {
  std::string_view name;  ///< the nodes' own name (valid while the graph lives)
  std::size_t tasks = 0;
};

struct Graph {
  std::vector<const TaskNode*> tasks;
  /// Task groups in order of first appearance, counted while the graph is built (its loop visits
  /// every node anyway; a pass of its own at submission kept 100,000 tasks waiting).
  std::vector<TaskGroupCount> groups;
  /// Index into `groups` of each task: records of finished tasks name their group from here,
  /// a dense array, rather than from each task's node.
  std::vector<std::uint32_t> group_of;
  /// Edges between task groups (indices into `groups`), each once: group `first` has a task that
  /// a task of group `second` depends on. What the dashboard's graph page draws.
  std::vector<std::pair<std::uint32_t, std::uint32_t>> group_edges;
  /// The backends every task can run on (found in the same loop): a scheduler with a worker of
  /// one of them runs the graph without a pass over every task to see whether it can.
  BackendSet common_backends = BackendSet::all();
  /// CSR adjacency: dependencies of task i are dep_index[dep_offset[i] .. dep_offset[i+1]).
  std::vector<std::uint32_t> dep_offset;
  std::vector<std::uint32_t> dep_index;
  /// The same edges reversed: who consumes task i.
  std::vector<std::uint32_t> consumer_offset;
  std::vector<std::uint32_t> consumer_index;
  /// Task index of each requested output, in request order (may repeat).
  std::vector<std::uint32_t> outputs;
  /// Keeps every node alive while the graph exists.
  std::vector<TaskPtr> roots;

  std::size_t size() const noexcept { return tasks.size(); }
  std::span<const std::uint32_t> dependencies(std::uint32_t i) const {
    return {dep_index.data() + dep_offset[i], dep_index.data() + dep_offset[i + 1]};
  }
  std::span<const std::uint32_t> consumers(std::uint32_t i) const {
    return {consumer_index.data() + consumer_offset[i],
            consumer_index.data() + consumer_offset[i + 1]};
  }
};

/// Collects everything reachable from `outputs` (shared sub-graphs once) into a Graph.
Graph build_graph(std::vector<TaskPtr> outputs);

namespace detail {
/// Completes a graph whose tasks (in topological order), dep_offset, dep_index, outputs and
/// roots are set: its groups, consumers and common backends. What build_graph does after its
/// walk, and how a process that runs its share of a graph (an MPI rank) makes its own, with
/// edges that are not the nodes' own dependencies.
void index_graph(Graph& graph);
}  // namespace detail

}  // namespace tessera
