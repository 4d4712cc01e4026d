#pragma once
// What one rank runs of a graph every rank holds: who owns each task, and this rank's own graph
// of the tasks it owns plus an external task for each value it receives. A pure function of the
// graph's shape, so every rank computes the same owners without talking.

#include <cstdint>
#include <vector>

#include "tessera/graph.hpp"

namespace tessera::detail {

struct RankPlan {
  /// Owner rank of each task of the whole graph.
  std::vector<int> owner;
  /// This rank's graph: owned tasks (the graph's own nodes) and external tasks standing for
  /// values that arrive from their owners, which its owned tasks read or which are outputs.
  Graph local;
  /// Whole-graph index of each local task, and local index of each whole-graph task (-1: none).
  std::vector<std::uint32_t> global_of;
  std::vector<std::int32_t> local_of;
  /// Per local task: the other ranks its value (or error) goes to, ascending; empty for most.
  std::vector<std::vector<int>> destinations;
};

/// Owners: a task with a home (it reads a persisted chunk) runs on that rank; any other task
/// without dependencies goes to the next rank in turn (in graph order, so a
/// chunked array's leaves spread evenly); any other task runs where its first input is, so
/// chains stay on one rank and a reduction's partials move, not its chunks. Outputs go to
/// every rank.
RankPlan plan_rank(const Graph& graph, int rank, int size);

}  // namespace tessera::detail
