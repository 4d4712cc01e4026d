#include "tessera/task.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "support/release_chain.hpp"

namespace tessera {
namespace {
std::atomic<std::uint64_t> next_task_id{1};
}

TaskFunctions TaskFunctions::anywhere(const TaskFunction& function) {
  TaskFunctions functions;
  for (std::size_t b = 0; b < kMaxBackends; ++b) functions.on(static_cast<Backend>(b), function);
  return functions;
}

TaskFunctions& TaskFunctions::on(Backend backend, TaskFunction function) & {
  if (backend_index(backend) >= kMaxBackends)
    throw std::invalid_argument(fmt::format("backend {} is out of range: at most {} backends",
                                            backend_index(backend), kMaxBackends));
  if (function)
    backends_.insert(backend);
  else
    backends_.erase(backend);
  functions_[backend_index(backend)] = std::move(function);
  return *this;
}

TaskNode::TaskNode(std::string name, std::vector<TaskPtr> dependencies, TaskFunction host,
                   bool stores_inputs)
    : TaskNode(std::move(name), std::move(dependencies), TaskFunctions(std::move(host)),
               stores_inputs) {}

TaskNode::TaskNode(std::string name, std::vector<TaskPtr> dependencies, TaskFunctions functions,
                   bool stores_inputs, int home)
    : name_(std::move(name)),
      dependencies_(std::move(dependencies)),
      stores_inputs_(stores_inputs),
      home_(home),
      id_(next_task_id.fetch_add(1, std::memory_order_relaxed)),
      functions_(std::move(functions)) {
  for (const auto& dependency : dependencies_)
    if (!dependency) throw std::invalid_argument(fmt::format("task '{}': null dependency", name_));
  if (functions_.backends().empty())
    throw std::invalid_argument(
        fmt::format("task '{}' has no function: it could run on no backend", name_));
}

TaskNode::TaskNode(std::string name, External)
    : name_(std::move(name)),
      stores_inputs_(false),
      external_(true),
      id_(next_task_id.fetch_add(1, std::memory_order_relaxed)) {}

TaskNode::~TaskNode() {
  detail::release_chain(
      dependencies_, [](const TaskNode& node) -> auto& { return node.dependencies_; });
}

std::string TaskNode::key() const {
  return fmt::format("{}-{:x}", name_, id_);
}

}  // namespace tessera
