#pragma once
// One reading of every worker (a WorkerInfo each, with CPU % and its device's memory filled in),
// for the JSON API, the workers table and /metrics alike.

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "cluster_view.hpp"

namespace tessera::dashboard {

/// Bytes `worker` holds in memory, as the dashboard shows them: task results plus persisted
/// chunks (a worker's result count may dip below zero for a moment while it frees; shown as 0).
inline std::uint64_t bytes_in_memory(const WorkerInfo& worker) {
  return (worker.memory > 0 ? static_cast<std::uint64_t>(worker.memory) : 0) + worker.stored;
}

/// Whether the dashboard shows `worker` as a GPU ("gpu") or CPU ("cpu") worker.
inline bool shown_as_gpu(const WorkerInfo& worker) {
  return worker.backend != Backend::host;
}

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

/// Reads every worker of `view` now, in index order, with cpu_percent and (device workers) its
/// device's memory in use and in all (device_memory_used, device_memory) read from the driver.
std::vector<WorkerInfo> snapshot_workers(const ClusterView& view, CpuMeter& meter);

/// Every worker a task record may name, by its index: this process's as configured, then other
/// processes' (an MPI job's other ranks, whose tasks rank 0's dashboard shows too).
std::vector<WorkerInfo> task_row_workers(const ClusterView& view);

}  // namespace tessera::dashboard
