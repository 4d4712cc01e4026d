#pragma once
// The numbers of a performance report: per worker, per task group, per computation, totals.

#include <cstdint>
#include <string>
#include <vector>

#include "report_event_log.hpp"

namespace tessera::diagnostics {

struct WorkerSummary {
  std::string cluster, worker;
  Backend backend = Backend::host;
  std::size_t tasks = 0, failed = 0;
  int threads = 0;          ///< threads or streams that ran at least one task
  double busy = 0;          ///< seconds of task time, summed over threads
  double percent_busy = 0;  ///< busy / (threads x time its cluster was computing)
};

struct GroupSummary {
  std::string group;
  std::size_t count = 0, failed = 0;
  double total = 0, mean = 0, max = 0;  ///< seconds
};

struct RunSummary {
  std::uint64_t run = 0;
  std::string cluster;
  std::size_t tasks = 0;       ///< in the graph
  std::size_t ran = 0;         ///< task events seen (fewer when failures cancelled dependents)
  double start = 0, stop = 0;  ///< submission and end, epoch seconds
  bool failed = false, finished = false;
  double wall() const { return stop - start; }
};

struct ReportSummary {
  std::vector<WorkerSummary> workers;  ///< by cluster, then worker name
  std::vector<GroupSummary> groups;    ///< by total time, longest first
  std::vector<RunSummary> runs;        ///< in submission order
  std::size_t tasks = 0, failed = 0;
  double busy = 0;             ///< task seconds over all workers
  double computing = 0;        ///< seconds when at least one computation was running
  double start = 0, stop = 0;  ///< the report's scope, epoch seconds
};

/// Summarizes what a scope saw.
ReportSummary summarize(const EventLogSnapshot& events);

}  // namespace tessera::diagnostics
