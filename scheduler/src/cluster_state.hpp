#pragma once
// What a LocalCluster shares with the clients connected to it.

#include <atomic>
#include <memory>
#include <string>

#include "scheduler.hpp"
#include "tessera/cluster_options.hpp"

namespace tessera::scheduler_detail {

class ClusterState {
 public:
  explicit ClusterState(ClusterOptions options);
  void close();
  bool closed() const noexcept { return closed_.load(); }

  ClusterOptions options;
  ClusterPlan plan;
  std::string name;
  std::string dashboard_link;
  std::shared_ptr<Scheduler> scheduler;

 private:
  std::atomic<bool> closed_{false};
};

/// "http://host:port/status" for a dashboard address such as "127.0.0.1:8787" or ":0".
std::string dashboard_link_for(const std::string& address);

}  // namespace tessera::scheduler_detail
