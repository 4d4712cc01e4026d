#pragma once
// A cluster's memory, managed as Dask's workers manage theirs: the block store (persisted chunks
// against each worker's `target`, spill files, the device tier) and, when the cluster has a
// memory limit, the monitor that spills from the store above `spill` of the process's resident
// memory. The cluster owns it; the scheduler only reads the store (and pauses a worker at
// ClusterOptions::memory_pause of its limit, which needs no part of its own).

#include <memory>
#include <mutex>
#include <string>

#include "block_store.hpp"
#include "memory_monitor.hpp"
#include "tessera/cluster_options.hpp"

namespace tessera::detail {

class ClusterMemory {
 public:
  /// Resolves the options' memory fractions against the plan's limits: throws
  /// std::invalid_argument naming a fraction out of range or an unknown spill compression, and
  /// std::system_error naming the thread limits when the monitor's thread cannot start. Removes
  /// spill folders that ended processes left under the local directory.
  ClusterMemory(const ClusterOptions& options, const ClusterPlan& plan, const std::string& name);

  std::shared_ptr<BlockStore> store() const noexcept { return store_; }

  /// Stops the monitor and lets go of the store: persisted chunks die with the cluster, as in
  /// Dask, and the spill folder goes once the scheduler has let go too. Idempotent.
  void close();

 private:
  std::mutex mutex_;  // close() may come from a task of the cluster and from outside at once
  std::shared_ptr<BlockStore> store_;
  std::unique_ptr<MemoryMonitor> monitor_;  // null without a process memory threshold
};

}  // namespace tessera::detail
