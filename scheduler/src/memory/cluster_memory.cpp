#include "cluster_memory.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <stdexcept>
#include <system_error>

#include "scheduling/thread_start_error.hpp"
#include "tessera/detail/log.hpp"

namespace tessera::detail {
namespace {

void check_fraction(double value, const char* name, bool zero_allowed) {
  if (value > 0 && value <= 1) return;
  if (zero_allowed && value == 0) return;
  throw std::invalid_argument(
      fmt::format("invalid {} {}: must be a fraction in (0, 1]{}", name, value,
                  zero_allowed ? ", or 0 for no process-memory spilling" : ""));
}

// Unique in the process too: two clusters of the same name must not share (and remove) one.
std::string spill_folder(const ClusterOptions& options, const std::string& name) {
  const std::filesystem::path base = options.local_directory.empty()
                                         ? std::filesystem::temp_directory_path()
                                         : std::filesystem::path(options.local_directory);
  // Folders an interrupted run left behind go now (a killed process cannot remove its own).
  for (const std::string& stale : remove_stale_spill_folders(base.string()))
    log_warning(fmt::format("removed spill folder '{}' left by a process that ended", stale));
  static std::atomic<std::uint64_t> next_folder{0};
  return (base / fmt::format("tessera-{}-{}-{}-spill", name, ::getpid(), next_folder.fetch_add(1)))
      .string();
}

// Persisted chunks may use memory_target of the CPU workers' limits. Each worker's chunks count
// against its own limit, as in Dask: a CPU worker keeps memory_target of its memory_limit in host
// memory, a GPU worker its device_memory_limit on its device (what it moves to the host counts
// against the cluster's total only).
BlockStoreOptions store_options(const ClusterOptions& options, const ClusterPlan& plan,
                                const std::string& name) {
  BlockStoreOptions store;
  store.budget =
      static_cast<std::uint64_t>(options.memory_target * static_cast<double>(plan.total_memory));
  store.directory = spill_folder(options, name);
  store.owners = static_cast<int>(plan.workers.size());
  store.compression = parse_spill_compression(options.spill_compression);
  for (const auto& worker : plan.workers) {
    const bool on_device = worker.backend != Backend::host;
    store.owner_budgets.push_back(
        on_device ? 0
                  : static_cast<std::uint64_t>(options.memory_target *
                                               static_cast<double>(worker.memory_limit)));
    store.device_budgets.push_back(on_device ? worker.memory_limit : 0);
  }
  // The largest chunk a CPU worker can hold; a worker without a limit can hold any.
  for (const auto& worker : plan.workers)
    if (worker.backend == Backend::host) {
      if (worker.memory_limit == 0) {
        store.chunk_limit = 0;
        break;
      }
      store.chunk_limit = std::max(store.chunk_limit, worker.memory_limit);
    }
  return store;
}

}  // namespace

ClusterMemory::ClusterMemory(const ClusterOptions& options, const ClusterPlan& plan,
                             const std::string& name) {
  check_fraction(options.memory_target, "memory_target", false);
  check_fraction(options.memory_spill, "memory_spill", true);
  store_ = std::make_shared<BlockStore>(store_options(options, plan, name));
  // Above memory_spill of the limits in resident memory the monitor spills persisted chunks,
  // oldest first, until the process is back under memory_target (Dask's `spill`).
  if (options.memory_spill > 0 && plan.total_memory > 0) {
    const auto spill =
        static_cast<std::uint64_t>(options.memory_spill * static_cast<double>(plan.total_memory));
    try {
      monitor_ = std::make_unique<MemoryMonitor>(store_, spill, store_->budget());
    } catch (const std::system_error& e) {
      throw thread_start_error(e, "the memory monitor's thread");
    }
  }
}

void ClusterMemory::close() {
  std::lock_guard lock(mutex_);
  monitor_.reset();  // before the store it spills from
  store_.reset();
}

}  // namespace tessera::detail
