#pragma once
// One reading of every worker's counters, with CPU % and GPU memory, for the JSON API, the
// workers table and /metrics alike.

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "cluster_view.hpp"

namespace tessera::dashboard {

struct WorkerSnapshot {
  int index = 0;
  std::string name;
  bool gpu = false;
  int device = -1;
  std::string device_name;
  int threads = 1;                         ///< threads, or CUDA streams of a GPU worker
  std::uint64_t memory = 0;                ///< bytes in memory: task results plus persisted chunks
  std::uint64_t stored = 0;                ///< of which persisted chunks
  std::uint64_t spilled = 0;               ///< bytes of its persisted chunks spilled to disk now
  std::uint64_t spilled_total = 0;         ///< bytes of its chunks ever spilled
  std::uint64_t memory_limit = 0;          ///< 0: no limit (device memory for GPU workers)
  std::uint64_t device_bytes = 0;          ///< bytes of its chunks on its device (GPU workers)
  std::uint64_t device_spilled_total = 0;  ///< bytes ever moved from its device to the host
  std::uint64_t gpu_memory_used = 0, gpu_memory_total = 0;  ///< whole device; 0 for CPU workers
  double cpu_seconds = 0;
  double cpu_percent = 0;  ///< over the last second or so; 100 = one core busy
  std::size_t queued = 0, executing = 0;
  std::uint64_t finished = 0, failed = 0, stolen = 0;
};

/// CPU % from differences of CPU seconds over at least `interval` seconds, shared by all
/// clients so that many of them polling do not shorten the interval.
class CpuMeter {
 public:
  explicit CpuMeter(double interval = 0.5) : interval_(interval) {}
  /// The latest percentage for each worker, given their CPU seconds now.
  std::vector<double> update(double now, const std::vector<double>& cpu_seconds);

 private:
  std::mutex mutex_;
  double interval_;
  double last_time_ = 0;
  std::vector<double> last_cpu_, percent_;
};

/// Reads every worker of `view` now.
std::vector<WorkerSnapshot> snapshot_workers(const ClusterView& view, CpuMeter& meter);

}  // namespace tessera::dashboard
