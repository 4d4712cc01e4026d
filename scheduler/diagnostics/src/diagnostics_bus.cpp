#include <fmt/format.h>

#include <algorithm>

#include "tessera/diagnostics/bus.hpp"

namespace tessera::diagnostics {

std::string TaskRecord::key() const {
  return fmt::format("{}-{:x}", group, task);
}

std::string_view StringPool::intern(std::string_view text) {
  auto it = strings_.find(text);
  if (it == strings_.end()) it = strings_.emplace(text).first;
  return *it;  // node-based set: the string never moves
}

TaskRecord keep(const TaskRecord& record, StringPool& pool) {
  TaskRecord kept = record;
  kept.group = pool.intern(record.group);
  kept.cluster = pool.intern(record.cluster);
  kept.worker_name = pool.intern(record.worker_name);
  return kept;
}

Bus& Bus::instance() {
  static Bus* bus = new Bus();  // never destroyed: worker threads may publish during exit
  return *bus;
}

std::shared_ptr<const Bus::List> Bus::snapshot() const {
  std::lock_guard lock(mutex_);
  return subscribers_;
}

thread_local Bus::ThreadCache Bus::thread_cache;

const Bus::List& Bus::refresh() const {
  ThreadCache& cache = thread_cache;
  // Read before the list: if a subscribe lands in between, the next call refreshes again.
  const std::uint64_t generation = generation_.load(std::memory_order_acquire);
  // The list being replaced stays alive one refresh longer: a handler that publishes in turn
  // must not free the list its caller is iterating.
  cache.previous = std::move(cache.list);
  cache.list = snapshot();
  cache.bus = this;
  cache.generation = generation;
  return *cache.list;
}

void Bus::replace(std::shared_ptr<const List> next) {
  subscribers_ = std::move(next);
  count_.store(static_cast<int>(subscribers_->size()), std::memory_order_relaxed);
  exact_count_.store(
      static_cast<int>(std::count_if(subscribers_->begin(), subscribers_->end(),
                                     [](const auto& s) { return s->needs_exact_times(); })),
      std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
}

void Bus::subscribe(std::shared_ptr<Subscriber> subscriber) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<List>(*subscribers_);
  next->push_back(std::move(subscriber));
  replace(std::move(next));
}

void Bus::unsubscribe(const Subscriber* subscriber) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<List>(*subscribers_);
  std::erase_if(*next, [&](const auto& s) { return s.get() == subscriber; });
  replace(std::move(next));
}

void Bus::publish_run_submitted(const RunRecord& record) {
  for (const auto& s : current()) s->run_submitted(record);
}

void Bus::publish_run_finished(const RunRecord& record) {
  for (const auto& s : current()) s->run_finished(record);
}

Subscription::Subscription(std::shared_ptr<Subscriber> subscriber)
    : subscriber_(std::move(subscriber)) {
  Bus::instance().subscribe(subscriber_);
}

Subscription::~Subscription() {
  Bus::instance().unsubscribe(subscriber_.get());
}

}  // namespace tessera::diagnostics
