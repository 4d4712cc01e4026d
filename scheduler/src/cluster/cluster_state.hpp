#pragma once
// What a LocalCluster shares with the clients connected to it.

#include <atomic>
#include <memory>
#include <string>

#include "cluster/other_workers.hpp"
#include "memory/cluster_memory.hpp"
#include "scheduling/scheduler.hpp"
#include "tessera/cluster_options.hpp"

namespace tessera::dashboard {
class DashboardServer;
}

namespace tessera::detail {

class ClusterState {
 public:
  /// Starts the workers, and the dashboard unless options.dashboard_address is empty. Worker
  /// names start with `worker_prefix` (an MPI rank's "rank1."), so errors name where they ran.
  explicit ClusterState(ClusterOptions options, const std::string& worker_prefix = "");
  ~ClusterState();
  /// Stops the dashboard, then the workers, then the memory monitor. Idempotent.
  void close();
  bool closed() const noexcept { return closed_.load(); }

  ClusterOptions options;
  ClusterPlan plan;
  std::string name;
  std::string dashboard_link;  ///< as served (real port, token); "" when off
  ClusterMemory memory;        ///< before the scheduler, which reads its store
  std::shared_ptr<Scheduler> scheduler;
  /// Workers of other processes shown with this cluster's (an MPI job's other ranks).
  std::shared_ptr<OtherWorkers> other_workers = std::make_shared<OtherWorkers>();
  /// Null when off. A shared_ptr because the type is complete only in builds with the dashboard.
  std::shared_ptr<dashboard::DashboardServer> dashboard;

 private:
  std::atomic<bool> closed_{false};
};

}  // namespace tessera::detail
