#include "metrics.hpp"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <prometheus/text_serializer.h>

#include <string_view>

namespace tessera::dashboard {
namespace {

prometheus::Family<prometheus::Gauge>& gauge(prometheus::Registry& registry, const char* name,
                                             const char* help) {
  return prometheus::BuildGauge().Name(name).Help(help).Register(registry);
}

prometheus::Family<prometheus::Counter>& counter(prometheus::Registry& registry, const char* name,
                                                 const char* help) {
  return prometheus::BuildCounter().Name(name).Help(help).Register(registry);
}

}  // namespace

std::string metrics_text(const std::vector<WorkerInfo>& workers,
                         const std::vector<RunProgress>& runs) {
  // A fresh registry per scrape: every value is read from the cluster now, counters included
  // (a counter's value is its running total, which the scheduler keeps).
  prometheus::Registry registry;

  std::uint64_t queued = 0, executing = 0, finished = 0, failed = 0, outstanding = 0;
  std::uint64_t cancelled = 0;
  for (const WorkerInfo& w : workers) {
    queued += w.queued;
    executing += w.executing;
    finished += w.finished;
    failed += w.failed;
  }
  for (const RunProgress& r : runs) {
    if (r.finished == 0) outstanding += r.tasks - std::min(r.tasks, r.done + r.failed);
    cancelled += r.cancelled;
  }
  const std::uint64_t active = queued + executing;
  auto& tasks = gauge(registry, "tessera_scheduler_tasks",
                      "Tasks of running graphs by state: waiting (inputs not ready), queued "
                      "(ready, in a worker queue), processing (executing now)");
  tasks.Add({{"state", "waiting"}})
      .Set(static_cast<double>(outstanding > active ? outstanding - active : 0));
  tasks.Add({{"state", "queued"}}).Set(static_cast<double>(queued));
  tasks.Add({{"state", "processing"}}).Set(static_cast<double>(executing));
  auto& completed = counter(registry, "tessera_scheduler_tasks_completed_total",
                            "Tasks that ended, by outcome: done, failed, or cancelled (dependents "
                            "of a failed task; counted for runs seen since the dashboard started)");
  completed.Add({{"state", "done"}})
      .Increment(static_cast<double>(finished - std::min(finished, failed)));
  completed.Add({{"state", "failed"}}).Increment(static_cast<double>(failed));
  completed.Add({{"state", "cancelled"}}).Increment(static_cast<double>(cancelled));

  gauge(registry, "tessera_workers", "Workers in the cluster")
      .Add({})
      .Set(static_cast<double>(workers.size()));
  counter(registry, "tessera_transfer_bytes_total",
          "Bytes of task results moved between workers; always 0: the workers of a LocalCluster "
          "share one process and read each other's results in place")
      .Add({})
      .Increment(0);
  std::uint64_t spilled_total = 0;
  for (const WorkerInfo& w : workers) spilled_total += w.spilled_total;
  counter(registry, "tessera_spilled_bytes_total",
          "Bytes of persisted chunks ever spilled to disk (before compression)")
      .Add({})
      .Increment(static_cast<double>(spilled_total));

  auto& threads =
      gauge(registry, "tessera_worker_threads", "Threads (CUDA streams for GPU workers)");
  auto& memory = gauge(registry, "tessera_worker_memory_bytes",
                       "Bytes a worker holds in memory: task results and persisted chunks");
  auto& stored = gauge(registry, "tessera_worker_memory_stored_bytes",
                       "Bytes of persisted chunks a worker stored that are in memory");
  auto& spilled = gauge(registry, "tessera_worker_memory_spilled_bytes",
                        "Bytes of persisted chunks a worker stored that are spilled to disk");
  auto& limit =
      gauge(registry, "tessera_worker_memory_limit_bytes",
            "Memory limit of a worker in bytes (0: no limit; device memory for GPU workers)");
  auto& device = gauge(registry, "tessera_worker_device_memory_bytes",
                       "Bytes of chunks a GPU worker keeps on its device (its limit is "
                       "tessera_worker_memory_limit_bytes)");
  auto& device_spilled =
      counter(registry, "tessera_worker_device_spilled_bytes_total",
              "Bytes of chunks a GPU worker ever moved from its device to host memory");
  auto& gpu_used = gauge(registry, "tessera_worker_gpu_memory_used_bytes",
                         "Device memory in use on a GPU worker's device (all processes)");
  auto& gpu_total = gauge(registry, "tessera_worker_gpu_memory_total_bytes",
                          "Device memory of a GPU worker's device");
  auto& executing_now =
      gauge(registry, "tessera_worker_tasks_executing", "Tasks a worker executes now");
  auto& queued_now =
      gauge(registry, "tessera_worker_tasks_queued", "Ready tasks in a worker's queue");
  auto& processed = counter(registry, "tessera_worker_tasks_processed_total",
                            "Tasks a worker has run, failed ones included");
  auto& failed_count =
      counter(registry, "tessera_worker_tasks_failed_total", "Tasks that failed on a worker");
  auto& stolen = counter(registry, "tessera_worker_tasks_stolen_total",
                         "Tasks a worker took from other workers' queues");
  auto& cpu =
      counter(registry, "tessera_worker_cpu_seconds_total", "CPU time used by a worker's threads");
  for (const WorkerInfo& w : workers) {
    const bool gpu = shown_as_gpu(w);
    const prometheus::Labels labels{{"worker", w.name}, {"kind", gpu ? "gpu" : "cpu"}};
    threads.Add(labels).Set(w.threads);
    memory.Add(labels).Set(static_cast<double>(bytes_in_memory(w)));
    stored.Add(labels).Set(static_cast<double>(w.stored));
    spilled.Add(labels).Set(static_cast<double>(w.spilled));
    limit.Add(labels).Set(static_cast<double>(w.memory_limit));
    if (gpu) {
      device.Add(labels).Set(static_cast<double>(w.device_bytes));
      device_spilled.Add(labels).Increment(static_cast<double>(w.device_spilled_total));
      gpu_used.Add(labels).Set(static_cast<double>(w.device_memory_used));
      gpu_total.Add(labels).Set(static_cast<double>(w.device_memory));
    }
    executing_now.Add(labels).Set(static_cast<double>(w.executing));
    queued_now.Add(labels).Set(static_cast<double>(w.queued));
    processed.Add(labels).Increment(static_cast<double>(w.finished));
    failed_count.Add(labels).Increment(static_cast<double>(w.failed));
    stolen.Add(labels).Increment(static_cast<double>(w.stolen));
    cpu.Add(labels).Increment(w.cpu_seconds);
  }
  return prometheus::TextSerializer().Serialize(registry.Collect());
}

}  // namespace tessera::dashboard
