#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "tessera/diagnostics/bus.hpp"

namespace tessera::diagnostics {

double now_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string TaskRecord::key() const {
  return fmt::format("{}-{:x}", group, task);
}

Bus& Bus::instance() {
  static Bus* bus = new Bus();  // never destroyed: worker threads may publish during exit
  return *bus;
}

std::shared_ptr<const Bus::List> Bus::snapshot() const {
  std::lock_guard lock(mutex_);
  return subscribers_;
}

void Bus::subscribe(std::shared_ptr<Subscriber> subscriber) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<List>(*subscribers_);
  next->push_back(std::move(subscriber));
  subscribers_ = std::move(next);
  count_.store(static_cast<int>(subscribers_->size()), std::memory_order_relaxed);
}

void Bus::unsubscribe(const Subscriber* subscriber) {
  std::lock_guard lock(mutex_);
  auto next = std::make_shared<List>(*subscribers_);
  std::erase_if(*next, [&](const auto& s) { return s.get() == subscriber; });
  subscribers_ = std::move(next);
  count_.store(static_cast<int>(subscribers_->size()), std::memory_order_relaxed);
}

void Bus::publish_run_submitted(const RunRecord& record) {
  for (const auto& s : *snapshot()) s->run_submitted(record);
}

void Bus::publish_task(const TaskRecord& record) {
  for (const auto& s : *snapshot()) s->task_finished(record);
}

void Bus::publish_run_finished(const RunRecord& record) {
  for (const auto& s : *snapshot()) s->run_finished(record);
}

Subscription::Subscription(std::shared_ptr<Subscriber> subscriber)
    : subscriber_(std::move(subscriber)) {
  Bus::instance().subscribe(subscriber_);
}

Subscription::~Subscription() {
  Bus::instance().unsubscribe(subscriber_.get());
}

}  // namespace tessera::diagnostics
