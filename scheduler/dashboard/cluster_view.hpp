#pragma once
// What the dashboard reads of a running cluster. It only reads: nothing here changes the cluster.

#include <memory>
#include <string>

#include "cluster/other_workers.hpp"
#include "scheduling/scheduler.hpp"
#include "tessera/cluster_options.hpp"

namespace tessera::dashboard {

struct ClusterView {
  std::string name;
  ClusterOptions options;
  ClusterPlan plan;
  std::shared_ptr<const detail::Scheduler> scheduler;
  /// Workers of other processes listed after the scheduler's own (an MPI job's other ranks, on
  /// rank 0's dashboard); may be null.
  std::shared_ptr<const detail::OtherWorkers> other_workers;
};

}  // namespace tessera::dashboard
