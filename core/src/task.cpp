#include "tessera/task.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "release_chain.hpp"

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
  detail::release_chain(
      dependencies_, [](const TaskNode& node) -> auto& { return node.dependencies_; });
}

std::string TaskNode::key() const {
  return fmt::format("{}-{:x}", name_, id_);
}

}  // namespace tessera
