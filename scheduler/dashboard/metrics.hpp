#pragma once
// Prometheus text for /metrics, built with prometheus-cpp; names prefixed tessera_ as Dask's
// are dask_.

#include <string>
#include <vector>

#include "event_log.hpp"
#include "worker_snapshot.hpp"

namespace tessera::dashboard {

/// The exposition text (format 0.0.4) for the workers and runs read just now.
std::string metrics_text(const std::vector<WorkerInfo>& workers,
                         const std::vector<RunProgress>& runs);

}  // namespace tessera::dashboard
