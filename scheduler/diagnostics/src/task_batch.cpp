#include "tessera/diagnostics/detail/task_batch.hpp"

#include <algorithm>

namespace tessera::diagnostics::detail {

TaskBatch::TaskBatch(std::uint32_t window) : window_(std::max<std::uint32_t>(window, 1)) {
  pending_.count = 0;
}

void TaskBatch::add(const TaskRecord& task) {
  if (pending_.count > 0 && (pending_.run != task.run || pending_.group_index != task.group_index))
    flush();
  if (pending_.count == 0) {
    pending_ = task;  // the first task names the batch and gives its start
    group_.assign(task.group);
    pending_.group = group_;
    pending_.failed = false;
    pending_.count = 0;
    pending_.nbytes = 0;
  }
  ++pending_.count;
  pending_.stop = task.stop;
  pending_.nbytes += task.nbytes;
  if (pending_.count >= window_) flush();
}

void TaskBatch::flush() {
  if (pending_.count == 0) return;
  Bus::instance().publish_task(pending_);
  pending_.count = 0;
}

}  // namespace tessera::diagnostics::detail
