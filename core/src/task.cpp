#include "tessera/task.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tessera {
namespace {
std::atomic<std::uint64_t> next_task_id{1};
}

TaskNode::TaskNode(std::string name, std::vector<TaskPtr> dependencies, TaskFunction cpu,
                   TaskFunction gpu, Placement placement, bool stores_inputs)
    : name_(std::move(name)),
      dependencies_(std::move(dependencies)),
      placement_(placement),
      stores_inputs_(stores_inputs),
      id_(next_task_id.fetch_add(1, std::memory_order_relaxed)),
      cpu_(std::move(cpu)),
      gpu_(std::move(gpu)) {
  for (const auto& dependency : dependencies_)
    if (!dependency) throw std::invalid_argument(fmt::format("task '{}': null dependency", name_));
  if (placement_ != Placement::gpu && !cpu_)
    throw std::invalid_argument(
        fmt::format("task '{}' may run on a CPU but has no CPU function", name_));
  if (placement_ != Placement::cpu && !gpu_)
    throw std::invalid_argument(
        fmt::format("task '{}' may run on a GPU but has no GPU function", name_));
}

TaskNode::~TaskNode() {
  std::vector<TaskPtr> pending = std::move(dependencies_);
  while (!pending.empty()) {
    TaskPtr node = std::move(pending.back());
    pending.pop_back();
    // The last owner takes over the node's dependencies before dropping it, so its destructor
    // finds nothing to release.
    if (node.use_count() == 1) {
      for (auto& dependency : node->dependencies_) pending.push_back(std::move(dependency));
      node->dependencies_.clear();
    }
  }
}

std::string TaskNode::key() const {
  return fmt::format("{}-{:x}", name_, id_);
}

}  // namespace tessera
