#pragma once
// Dask's `spill` threshold: a thread that reads the process's resident memory every 100 ms (as
// Dask's worker memory monitor does) and, above the spill threshold, spills persisted chunks,
// least recently stored first, until the process is back under the target. Managed bytes alone
// miss memory the chunks' users allocate themselves; resident memory does not.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

namespace tessera {
class BlockStore;
}

namespace tessera::detail {

/// Resident memory of this process in bytes (/proc/self/statm); 0 where it cannot be read.
std::uint64_t process_resident_bytes();

class MemoryMonitor {
 public:
  /// Watches until destroyed. Above `spill_bytes` resident, spills from `store` until under
  /// `target_bytes` or nothing is left in memory.
  MemoryMonitor(std::shared_ptr<BlockStore> store, std::uint64_t spill_bytes,
                std::uint64_t target_bytes,
                std::chrono::milliseconds interval = std::chrono::milliseconds(100));
  ~MemoryMonitor();
  MemoryMonitor(const MemoryMonitor&) = delete;
  MemoryMonitor& operator=(const MemoryMonitor&) = delete;

  /// One check now, on the calling thread; returns the bytes it spilled.
  std::uint64_t check();

 private:
  void run();
  std::uint64_t check_locked();

  std::shared_ptr<BlockStore> store_;
  const std::uint64_t spill_bytes_, target_bytes_;
  const std::chrono::milliseconds interval_;
  std::mutex mutex_;  // serialises checks; guards stop_
  std::condition_variable wake_;
  bool stop_ = false;
  bool warned_ = false;  // "spilling did not help" is said once
  std::thread thread_;
};

}  // namespace tessera::detail
