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

std::vector<WorkerSnapshot> snapshot_workers(const ClusterView& view, CpuMeter& meter) {
  const auto& specs = view.scheduler->configured_workers();
  std::vector<WorkerSnapshot> out(specs.size());
  std::vector<double> cpu(specs.size());
  std::map<int, kernels::CudaMemoryInfo> devices;  // one driver query per device, not per worker
  for (std::size_t w = 0; w < specs.size(); ++w) {
    const WorkerInfo stats = view.scheduler->stats(static_cast<int>(w));
    WorkerSnapshot& s = out[w];
    s.index = static_cast<int>(w);
    s.name = specs[w].name;
    s.gpu = specs[w].backend != Backend::host;
    s.device = specs[w].device;
    s.threads = specs[w].threads;
    if (w < view.plan.workers.size()) {
      s.memory_limit = view.plan.workers[w].memory_limit;
      s.device_name = view.plan.workers[w].device_name;
    }
    s.stored = stats.stored;
    s.spilled = stats.spilled;
    s.spilled_total = stats.spilled_total;
    s.device_bytes = stats.device_bytes;
    s.device_spilled_total = stats.device_spilled_total;
    s.memory = (stats.memory > 0 ? static_cast<std::uint64_t>(stats.memory) : 0) + stats.stored;
    s.cpu_seconds = cpu[w] = stats.cpu_seconds;
    s.queued = stats.queued;
    s.executing = stats.executing;
    s.finished = stats.finished;
    s.failed = stats.failed;
    s.stolen = stats.stolen;
    if (s.gpu) {
      auto it = devices.find(s.device);
      if (it == devices.end()) {
        kernels::CudaMemoryInfo info{0, 0};
        try {
          info = kernels::cuda_memory_info(s.device);
        } catch (const std::exception&) {
          // A device the driver no longer answers for shows 0 / 0 rather than failing the page.
        }
        it = devices.emplace(s.device, info).first;
      }
      s.gpu_memory_total = it->second.total;
      s.gpu_memory_used = it->second.total - it->second.free;
    }
  }
  const std::vector<double> percent = meter.update(diagnostics::now_seconds(), cpu);
  for (std::size_t w = 0; w < out.size(); ++w) out[w].cpu_percent = percent[w];
  return out;
}

}  // namespace tessera::dashboard
