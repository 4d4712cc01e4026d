#include "event_log.hpp"

#include <algorithm>
#include <cstring>

namespace tessera::dashboard {
namespace {

std::atomic<std::uint64_t> next_log_id{1};

// Names here are short (cluster ids, task group names): compared inline, eight bytes at a time,
// instead of through a call to memcmp for every task.
bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  std::size_t i = 0;
  for (; i + 8 <= a.size(); i += 8) {
    std::uint64_t x, y;
    std::memcpy(&x, a.data() + i, 8);
    std::memcpy(&y, b.data() + i, 8);
    if (x != y) return false;
  }
  for (; i < a.size(); ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// This thread's producers, by log id. Ids are never reused, so an entry of a destroyed log is
// never matched again; the list is short (a scheduler thread publishes to its cluster's log).
struct ProducerCache {
  std::uint64_t log = 0;
  void* producer = nullptr;
};
thread_local std::vector<ProducerCache> producer_cache;

}  // namespace

EventLog::EventLog(std::string cluster, std::size_t capacity, std::size_t max_runs)
    : id_(next_log_id.fetch_add(1)),
      cluster_(std::move(cluster)),
      capacity_(std::max<std::size_t>(capacity, 1)),
      max_runs_(std::max<std::size_t>(max_runs, 1)),
      // Allocated and written once, here: growing it (copies, page faults) would land on workers.
      ring_(capacity_) {}

EventLog::Producer& EventLog::producer() {
  for (const ProducerCache& entry : producer_cache)
    if (entry.log == id_) return *static_cast<Producer*>(entry.producer);
  std::lock_guard lock(mutex_);
  producers_.push_back(std::make_unique<Producer>());
  if (producer_cache.size() >= 16) producer_cache.clear();  // stale entries of closed dashboards
  producer_cache.push_back({id_, producers_.back().get()});
  return *producers_.back();
}

std::uint32_t EventLog::intern(std::string_view name) {
  if (auto it = name_ids_.find(name); it != name_ids_.end()) return it->second;
  if (names_.size() >= kMaxGroupNames - 1) {  // full (say, a unique name per task)
    if (names_.size() == kMaxGroupNames - 1) names_.emplace_back("(other groups)");
    return kMaxGroupNames - 1;
  }
  const auto id = static_cast<std::uint32_t>(names_.size());
  names_.emplace_back(name);
  name_ids_.emplace(names_.back(), id);
  return id;
}

std::uint32_t EventLog::group_id(Producer& p, std::string_view group) {
  // Consecutive tasks of a thread mostly share their group: compare with the last one first.
  if (p.has_last_group && same_name(p.last_group, group)) return p.last_group_id;
  std::lock_guard lock(mutex_);
  p.last_group_id = intern(group);
  p.last_group.assign(group);
  p.has_last_group = true;
  return p.last_group_id;
}

EventLog::Run* EventLog::find_run(std::uint64_t run) {
  // Entries keep a run id's low 32 bits; a process never submits four billion graphs.
  const auto low = [](std::uint64_t id) { return static_cast<std::uint32_t>(id); };
  if (last_run_ && low(last_run_->progress.run) == low(run)) return last_run_;
  for (auto it = runs_.rbegin(); it != runs_.rend(); ++it)
    if (low(it->progress.run) == low(run)) return last_run_ = &*it;
  return nullptr;
}

void EventLog::run_submitted(const diagnostics::RunRecord& record) {
  if (record.cluster != cluster_) return;
  std::lock_guard lock(mutex_);
  drain();
  Run run;
  run.progress.run = record.run;
  run.progress.tasks = record.tasks;
  run.progress.submitted = record.time;
  for (const auto& [name, count] : record.groups) {
    const std::uint32_t id = intern(name);
    if (run.group_slot.size() <= id) run.group_slot.resize(id + 1, -1);
    run.group_slot[id] = static_cast<std::int32_t>(run.progress.groups.size());
    run.progress.groups.push_back({name, count, 0, 0});
  }
  run.progress.edges = record.group_edges;
  runs_.push_back(std::move(run));
  if (runs_.size() > max_runs_) {
    if (last_run_ == &runs_.front()) last_run_ = nullptr;
    runs_.pop_front();
  }
}

void EventLog::task_finished(const diagnostics::TaskRecord& record) {
  if (!same_name(record.cluster, cluster_)) return;
  Producer& p = producer();
  TaskEntry entry;
  entry.start = record.start;
  entry.task = record.task;
  entry.duration = static_cast<float>(record.stop - record.start);
  entry.run = static_cast<std::uint32_t>(record.run);
  entry.group = static_cast<std::uint16_t>(group_id(p, record.group));
  entry.worker = static_cast<std::uint16_t>(record.worker);
  entry.thread = static_cast<std::uint16_t>(record.thread);
  entry.failed = record.failed;
  entry.count = static_cast<std::uint8_t>(std::min<std::uint32_t>(record.count, 255));
  const std::uint64_t head = p.head.load(std::memory_order_relaxed);
  if (head - p.tail.load(std::memory_order_acquire) == Producer::kCapacity) {
    std::lock_guard lock(mutex_);  // nobody read for a while: make room ourselves
    drain();
  }
  p.slots[head % Producer::kCapacity] = entry;
  p.head.store(head + 1, std::memory_order_release);
}

void EventLog::run_finished(const diagnostics::RunRecord& record) {
  if (record.cluster != cluster_) return;
  std::lock_guard lock(mutex_);
  // Every task record of the run was pushed before the run finished: drain them first.
  drain();
  if (Run* run = find_run(record.run)) {
    RunProgress& p = run->progress;
    p.finished = record.time;
    // Dependents of a failed task are cancelled without running: no record arrives for them.
    const std::size_t ran = p.done + p.failed;
    p.cancelled = p.tasks > ran ? p.tasks - ran : 0;
  }
}

void EventLog::append(const TaskEntry& entry) {
  ++next_seq_;
  ring_[write_] = entry;  // record seq at (seq - 1) % capacity_, without dividing per record
  if (++write_ == capacity_) write_ = 0;
  held_ = std::min(held_ + 1, capacity_);
  if (Run* run = find_run(entry.run)) {
    RunProgress& p = run->progress;
    (entry.failed ? p.failed : p.done) += entry.count;
    if (entry.group < run->group_slot.size() && run->group_slot[entry.group] >= 0) {
      GroupProgress& group = p.groups[run->group_slot[entry.group]];
      (entry.failed ? group.failed : group.done) += entry.count;
    }
    // A thread publishes the last few tasks it timed by estimate when it next idles, which can
    // be just after the run finished: those are not cancelled after all.
    if (p.finished > 0) p.cancelled = p.tasks > p.done + p.failed ? p.tasks - p.done - p.failed : 0;
  }
}

void EventLog::drain() {
  for (const auto& p : producers_) {
    const std::uint64_t tail = p->tail.load(std::memory_order_relaxed);
    const std::uint64_t head = p->head.load(std::memory_order_acquire);
    for (std::uint64_t i = tail; i < head; ++i) append(p->slots[i % Producer::kCapacity]);
    p->tail.store(head, std::memory_order_release);
  }
}

TaskBatch EventLog::tasks_since(std::uint64_t since, std::size_t limit, bool newest) {
  TaskBatch batch;
  std::lock_guard lock(mutex_);
  drain();
  const std::uint64_t last = next_seq_ - 1;
  const std::uint64_t first = last - held_ + 1;  // the ring holds first..last
  batch.last_seq = last;
  batch.first_seq = held_ == 0 ? 0 : first;
  if (held_ == 0 || since >= last) return batch;
  std::uint64_t from = std::max(since + 1, first);
  std::uint64_t to = last;  // inclusive
  const std::uint64_t available = to - from + 1;
  if (available > limit) {
    batch.skipped = available - limit;
    if (limit == 0) return batch;
    if (newest)
      from = to - limit + 1;
    else
      to = from + limit - 1;
  }
  batch.from_seq = from;
  batch.tasks.reserve(to - from + 1);
  for (std::uint64_t seq = from; seq <= to; ++seq)
    batch.tasks.push_back(ring_[(seq - 1) % capacity_]);
  batch.group_names.reserve(names_.size());
  for (const std::string& name : names_) batch.group_names.emplace_back(name);
  return batch;
}

std::vector<RunProgress> EventLog::runs() {
  std::lock_guard lock(mutex_);
  drain();
  std::vector<RunProgress> out;
  out.reserve(runs_.size());
  for (const Run& run : runs_) out.push_back(run.progress);
  return out;
}

std::uint64_t EventLog::last_seq() {
  std::lock_guard lock(mutex_);
  drain();
  return next_seq_ - 1;
}

}  // namespace tessera::dashboard
