#pragma once
// What the dashboard reads of a running cluster. It only reads: nothing here changes the cluster.

#include <memory>
#include <string>

#include "scheduling/scheduler.hpp"
#include "tessera/cluster_options.hpp"

namespace tessera::dashboard {

struct ClusterView {
  std::string name;
  ClusterOptions options;
  ClusterPlan plan;
  std::shared_ptr<const detail::Scheduler> scheduler;
};

}  // namespace tessera::dashboard
