#include "rank_plan.hpp"

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>

namespace tessera::detail {

RankPlan plan_rank(const Graph& graph, int rank, int size) {
  if (size < 1 || rank < 0 || rank >= size)
    throw std::invalid_argument("plan_rank: rank " + std::to_string(rank) + " of " +
                                std::to_string(size));
  const std::size_t n = graph.size();
  RankPlan plan;
  plan.owner.resize(n);
  std::uint64_t leaves = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    const auto dependencies = graph.dependencies(i);
    const int home = graph.tasks[i]->home();
    if (home >= 0)  // it reads what one rank holds (a persisted chunk)
      plan.owner[i] = home % size;
    else
      plan.owner[i] = dependencies.empty() ? static_cast<int>(leaves++ % size)
                                           : plan.owner[dependencies.front()];
  }

  // What this rank holds: its own tasks, their inputs, and every output.
  std::vector<std::uint8_t> needed(n, 0), is_output(n, 0);
  for (std::uint32_t k : graph.outputs) needed[k] = is_output[k] = 1;
  for (std::uint32_t i = 0; i < n; ++i) {
    if (plan.owner[i] != rank) continue;
    needed[i] = 1;
    for (std::uint32_t d : graph.dependencies(i)) needed[d] = 1;
  }

  Graph& local = plan.local;
  plan.local_of.assign(n, -1);
  local.dep_offset.push_back(0);
  local.roots = graph.roots;  // keeps the whole graph's nodes alive
  for (std::uint32_t i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    const auto index = static_cast<std::uint32_t>(local.tasks.size());
    plan.local_of[i] = static_cast<std::int32_t>(index);
    plan.global_of.push_back(i);
    std::vector<int>& to = plan.destinations.emplace_back();
    if (plan.owner[i] == rank) {
      local.tasks.push_back(graph.tasks[i]);
      for (std::uint32_t d : graph.dependencies(i))
        local.dep_index.push_back(static_cast<std::uint32_t>(plan.local_of[d]));
      for (std::uint32_t c : graph.consumers(i))
        if (plan.owner[c] != rank) to.push_back(plan.owner[c]);
      if (is_output[i])
        for (int r = 0; r < size; ++r)
          if (r != rank) to.push_back(r);
      std::sort(to.begin(), to.end());
      to.erase(std::unique(to.begin(), to.end()), to.end());
    } else {
      // Named as the task it stands for: progress and the dashboard count it in its group.
      auto external =
          std::make_shared<const TaskNode>(graph.tasks[i]->name(), TaskNode::External{});
      local.tasks.push_back(external.get());
      local.roots.push_back(std::move(external));
    }
    local.dep_offset.push_back(static_cast<std::uint32_t>(local.dep_index.size()));
  }
  local.outputs.reserve(graph.outputs.size());
  for (std::uint32_t k : graph.outputs)
    local.outputs.push_back(static_cast<std::uint32_t>(plan.local_of[k]));
  index_graph(local);
  return plan;
}

}  // namespace tessera::detail
