#pragma once
// The JSON documents of /api/v1/: cluster status, workers, task records and configuration.

#include <nlohmann/json.hpp>
#include <vector>

#include "cluster_view.hpp"
#include "event_log.hpp"
#include "worker_snapshot.hpp"

namespace tessera::dashboard {

/// What /api/v1/info reports about the server itself (never the token).
struct ServerFacts {
  std::string address;  ///< as requested
  std::string host;     ///< as bound
  int port = 0;
  bool token_required = false;
  std::string link;
};

/// Worker number `index`: name, kind, device, threads, memory, CPU %, GPU memory, task counters.
nlohmann::json worker_json(const WorkerInfo& worker, int index);

/// Every worker, in worker order.
nlohmann::json workers_json(const std::vector<WorkerInfo>& workers);

/// Task groups of the current work: runs still going or finished in the last few seconds, or
/// else the most recent run; one entry per group name, summed over those runs.
std::vector<GroupProgress> current_progress(const std::vector<RunProgress>& runs, double now);

/// Cluster name, time, newest task sequence number, workers, recent runs and current progress.
nlohmann::json status_json(const ClusterView& view, const std::vector<WorkerInfo>& workers,
                           const std::vector<RunProgress>& runs, std::uint64_t last_seq);

/// Task records {seq, key, group, run, worker, worker_name, kind, thread, start, stop, failed}
/// with the batch's first_seq, last_seq and skipped, as JSON text.
std::string tasks_json(const TaskBatch& batch, const std::vector<WorkerInfo>& workers);

/// The cluster's configuration: options, planned workers, hardware totals, the server's address.
nlohmann::json info_json(const ClusterView& view, const ServerFacts& server);

}  // namespace tessera::dashboard
