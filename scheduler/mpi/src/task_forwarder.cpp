#include "task_forwarder.hpp"

#include <utility>

namespace tessera::detail {

void TaskForwarder::task_finished(const diagnostics::TaskRecord& record) {
  if (record.cluster != cluster_ || record.worker < 0) return;
  std::lock_guard lock(mutex_);
  if (tasks_.size() >= cap_) {
    dropped_ += record.count;
    return;
  }
  auto it = name_index_.find(record.group);
  if (it == name_index_.end()) {
    it = name_index_.emplace(std::string(record.group), static_cast<std::uint32_t>(names_.size()))
             .first;
    names_.push_back(it->first);
  }
  tasks_.push_back({.start = record.start,
                    .stop = record.stop,
                    .task = record.task,
                    .group = it->second,
                    .count = record.count,
                    .worker = static_cast<std::uint16_t>(record.worker),
                    .thread = static_cast<std::uint16_t>(record.thread),
                    .backend = static_cast<std::uint8_t>(backend_index(record.backend)),
                    .failed = record.failed});
}

void TaskForwarder::take(std::vector<std::byte>& report) {
  std::vector<ForwardedTask> tasks;
  std::vector<std::string> names;
  {
    std::lock_guard lock(mutex_);
    tasks.swap(tasks_);
    names.swap(names_);
    name_index_.clear();
  }
  ByteWriter out(report);
  Codec<std::vector<std::string>>::encode(names, out);
  Codec<std::vector<ForwardedTask>>::encode(tasks, out);
}

std::uint64_t TaskForwarder::dropped() const {
  std::lock_guard lock(mutex_);
  return dropped_;
}

void republish_tasks(ByteReader& in, const std::string& cluster, int first_worker,
                     const std::vector<std::string>& workers) {
  const auto names = Codec<std::vector<std::string>>::decode(in);
  const auto tasks = Codec<std::vector<ForwardedTask>>::decode(in);
  diagnostics::Bus& bus = diagnostics::Bus::instance();
  if (!bus.active()) return;
  for (const ForwardedTask& t : tasks) {
    // A malformed entry is skipped rather than drawn on another rank's row.
    if (t.group >= names.size() || t.worker >= workers.size()) continue;
    diagnostics::TaskRecord record;
    record.run = 0;  // not one of rank 0's runs: its progress counts its own share
    record.task = t.task;
    record.group = names[t.group];
    record.cluster = cluster;
    record.worker = first_worker + t.worker;
    record.worker_name = workers[t.worker];
    record.backend = static_cast<Backend>(t.backend);
    record.thread = t.thread;
    record.start = t.start;
    record.stop = t.stop;
    record.failed = t.failed != 0;
    record.count = t.count;
    bus.publish_task(record);
  }
}

}  // namespace tessera::detail
