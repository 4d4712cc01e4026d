#pragma once
// A cluster of CPU and GPU workers in this process (distributed.LocalCluster).

#include <memory>
#include <ostream>
#include <string>

#include "tessera/cluster_options.hpp"
#include "tessera/executor.hpp"

namespace tessera {

namespace detail {
class ClusterState;
}

/// Starts workers at construction; close() (or the destructor) stops them.
class LocalCluster {
 public:
  /// Starts a cluster sized by `options` (defaults follow the hardware).
  explicit LocalCluster(ClusterOptions options = {});
  ~LocalCluster();
  /// A moved-from cluster reads as closed: status() says "closed", close() does nothing, and
  /// what needs the cluster (name(), executor(), a Client...) throws ClosedError.
  LocalCluster(LocalCluster&&) noexcept = default;
  LocalCluster& operator=(LocalCluster&&) noexcept = default;

  /// Stops the workers; computations still running fail with ClosedError. Idempotent.
  void close();
  /// "running" or "closed" (also after a move from it).
  std::string status() const;
  /// The cluster's name (a short hex id unless given).
  const std::string& name() const;
  /// The workers as started.
  const ClusterPlan& plan() const;
  /// The dashboard's link as served (real port; "?token=..." on a non-loopback bind); "" when off.
  std::string dashboard_link() const;
  /// The executor compute() and Client use.
  std::shared_ptr<Executor> executor() const;
  /// Per-worker counters: tasks finished and stolen so far.
  std::uint64_t tasks_finished(int worker) const;
  std::uint64_t tasks_stolen(int worker) const;

  /// Prints the information block: workers, threads, memory, GPUs, status, dashboard.
  friend std::ostream& operator<<(std::ostream& out, const LocalCluster& cluster);

 private:
  /// Another handle on the same cluster that does not close it when destroyed: what a Client
  /// connected to a cluster it did not start keeps, so that moving or destroying the user's
  /// LocalCluster object leaves the client working.
  struct View {};
  LocalCluster(View, std::shared_ptr<detail::ClusterState> state);

  /// The running or closed cluster; throws ClosedError for a moved-from one.
  detail::ClusterState& state() const;
  const std::shared_ptr<detail::ClusterState>& shared_state() const;

  std::shared_ptr<detail::ClusterState> state_;
  bool owns_ = true;  ///< whether the destructor closes the cluster (false for a View)
  friend class Client;
};

/// The information block of a cluster plan that is not running (what `tessera info` prints).
std::string describe_plan(const ClusterPlan& plan, const std::string& dashboard_link);

}  // namespace tessera
