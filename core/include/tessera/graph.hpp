#pragma once
// A task graph flattened for execution: tasks in topological order with index-based edges.

#include <cstdint>
#include <vector>

#include "tessera/task.hpp"

namespace tessera {

/// The tasks reachable from a set of outputs, in topological order (dependencies first).
struct Graph {
  std::vector<const TaskNode*> tasks;
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

}  // namespace tessera
