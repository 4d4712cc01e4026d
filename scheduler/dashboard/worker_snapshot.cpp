#include "worker_snapshot.hpp"

#include <map>

#include "tessera/diagnostics/bus.hpp"
#include "tessera/kernels/cuda_device.hpp"

namespace tessera::dashboard {

std::vector<double> CpuMeter::update(double now, const std::vector<double>& cpu_seconds) {
  std::lock_guard lock(mutex_);
  if (last_cpu_.size() != cpu_seconds.size()) {  // first reading: nothing to compare with yet
    last_cpu_ = cpu_seconds;
    last_time_ = now;
    percent_.assign(cpu_seconds.size(), 0.0);
    return percent_;
  }
  const double elapsed = now - last_time_;
  if (elapsed >= interval_) {
    for (std::size_t w = 0; w < cpu_seconds.size(); ++w)
      percent_[w] = std::max(0.0, 100.0 * (cpu_seconds[w] - last_cpu_[w]) / elapsed);
    last_cpu_ = cpu_seconds;
    last_time_ = now;
  }
  return percent_;
}

std::vector<WorkerInfo> task_row_workers(const ClusterView& view) {
  std::vector<WorkerInfo> workers = view.scheduler->configured_workers();
  if (view.other_workers)
    for (WorkerInfo& other : view.other_workers->get()) workers.push_back(std::move(other));
  return workers;
}

std::vector<WorkerInfo> snapshot_workers(const ClusterView& view, CpuMeter& meter) {
  std::vector<WorkerInfo> workers = view.scheduler->workers();
  const std::size_t own = workers.size();  // devices of other processes are not this driver's
  if (view.other_workers)
    for (WorkerInfo& other : view.other_workers->get()) workers.push_back(std::move(other));
  std::vector<double> cpu(workers.size());
  std::map<int, kernels::CudaMemoryInfo> devices;  // one driver query per device, not per worker
  for (std::size_t w = 0; w < workers.size(); ++w) {
    WorkerInfo& worker = workers[w];
    cpu[w] = worker.cpu_seconds;
    if (w >= own || !shown_as_gpu(worker)) continue;
    auto it = devices.find(worker.device);
    if (it == devices.end()) {
      kernels::CudaMemoryInfo info{0, 0};
      try {
        info = kernels::cuda_memory_info(worker.device);
      } catch (const std::exception&) {
        // A device the driver no longer answers for shows 0 / 0 rather than failing the page.
      }
      it = devices.emplace(worker.device, info).first;
    }
    worker.device_memory = it->second.total;
    worker.device_memory_used = it->second.total - it->second.free;
  }
  const std::vector<double> percent = meter.update(diagnostics::now_seconds(), cpu);
  for (std::size_t w = 0; w < workers.size(); ++w) workers[w].cpu_percent = percent[w];
  return workers;
}

}  // namespace tessera::dashboard
