#include "memory_monitor.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "block_store.hpp"
#include "tessera/bytes.hpp"
#include "tessera/detail/log.hpp"

namespace tessera::detail {

std::uint64_t process_resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (!f) return 0;
  unsigned long long size = 0, resident = 0;
  const int got = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  return got == 2 ? resident * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)) : 0;
}

MemoryMonitor::MemoryMonitor(std::shared_ptr<BlockStore> store, std::uint64_t spill_bytes,
                             std::uint64_t target_bytes, std::chrono::milliseconds interval)
    : store_(std::move(store)),
      spill_bytes_(spill_bytes),
      target_bytes_(target_bytes),
      interval_(interval),
      thread_([this] { run(); }) {}

MemoryMonitor::~MemoryMonitor() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

std::uint64_t MemoryMonitor::check() {
  std::lock_guard lock(mutex_);
  return check_locked();
}

std::uint64_t MemoryMonitor::check_locked() {
  if (process_resident_bytes() <= spill_bytes_) return 0;
  std::uint64_t spilled = 0;
  try {
    spilled = store_->spill_while([this] { return process_resident_bytes() > target_bytes_; });
  } catch (const std::exception& e) {
    // The chunk stays in memory (the store keeps it accounted); tasks go on, and so do we.
    log_warning(fmt::format("memory monitor could not spill: {}", e.what()));
    return spilled;
  }
  const std::uint64_t resident = process_resident_bytes();
  if (resident > spill_bytes_ && !warned_) {
    warned_ = true;  // Dask says the same when unmanaged memory is what fills the process
    log_warning(fmt::format(
        "process memory {} is above the spill threshold {} with every persisted chunk spilled: "
        "the rest is memory Tessera does not manage",
        format_bytes(resident), format_bytes(spill_bytes_)));
  }
  return spilled;
}

void MemoryMonitor::run() {
  std::unique_lock lock(mutex_);
  while (!stop_) {
    wake_.wait_for(lock, interval_, [this] { return stop_; });
    if (!stop_) check_locked();
  }
}

}  // namespace tessera::detail
