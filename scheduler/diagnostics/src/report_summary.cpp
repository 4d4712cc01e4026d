#include "report_summary.hpp"

#include <algorithm>
#include <map>
#include <set>
#include <utility>

namespace tessera::diagnostics {
namespace {

// Length of the union of [start, stop] intervals: time when anything was running.
double covered(std::vector<std::pair<double, double>> intervals) {
  std::sort(intervals.begin(), intervals.end());
  double total = 0, start = 0, stop = 0;
  bool open = false;
  for (auto [a, b] : intervals) {
    if (open && a <= stop) {
      stop = std::max(stop, b);
      continue;
    }
    if (open) total += stop - start;
    start = a, stop = b, open = true;
  }
  return open ? total + (stop - start) : total;
}

}  // namespace

ReportSummary summarize(const EventLogSnapshot& events) {
  ReportSummary s;
  s.start = events.opened;
  s.stop = events.closed;

  std::map<std::uint64_t, RunSummary> runs;
  std::vector<std::uint64_t> order;
  auto run_of = [&](std::uint64_t id, std::string_view cluster) -> RunSummary& {
    auto [it, added] = runs.try_emplace(id);
    if (added) {
      it->second.run = id;
      it->second.cluster = cluster;
      order.push_back(id);
    }
    return it->second;
  };
  std::set<std::uint64_t> submitted;
  for (const auto& r : events.submitted) {
    submitted.insert(r.run);
    RunSummary& run = run_of(r.run, r.cluster);
    run.tasks = r.tasks;
    run.start = r.time;
  }

  struct WorkerAccumulator {
    WorkerSummary summary;
    std::set<int> threads;
  };
  std::map<std::pair<std::string_view, std::string_view>, WorkerAccumulator> workers;
  std::map<std::string_view, GroupSummary> groups;  // views into events.strings
  for (const auto& t : events.tasks) {
    const double seconds = std::max(0.0, t.stop - t.start);
    if (t.run != 0) {  // run 0: spill-file writes and reads, which belong to no computation
      RunSummary& run = run_of(t.run, t.cluster);
      run.ran += t.count;
      // A computation submitted before the scope opened starts, here, at its first task seen.
      if (!submitted.contains(t.run))
        run.start = run.start == 0 ? t.start : std::min(run.start, t.start);
      run.stop = std::max(run.stop, t.stop);
    }

    auto& w = workers[{t.cluster, t.worker_name}];
    w.summary.cluster = t.cluster;
    w.summary.worker = t.worker_name;
    w.summary.backend = t.backend;
    w.summary.tasks += t.count;
    w.summary.failed += t.failed;
    w.summary.busy += seconds;
    w.threads.insert(t.thread);

    GroupSummary& g = groups[t.group];
    g.group = t.group;
    g.count += t.count;
    g.failed += t.failed;
    g.total += seconds;
    g.max = std::max(g.max, seconds);

    ++s.tasks;
    s.failed += t.failed;
    s.busy += seconds;
  }
  for (const auto& r : events.finished) {
    RunSummary& run = run_of(r.run, r.cluster);
    run.stop = r.time;
    run.failed = r.failed;
    run.finished = true;
    if (run.start == 0) run.start = r.time;
  }

  std::map<std::string, std::vector<std::pair<double, double>>> intervals;
  for (std::uint64_t id : order) {
    RunSummary& run = runs[id];
    if (run.stop < run.start) run.stop = run.start;
    intervals[run.cluster].emplace_back(run.start, run.stop);
    s.runs.push_back(run);
  }
  std::map<std::string, double> computing;
  for (auto& [cluster, list] : intervals) {
    for (const auto& run_interval : list) s.start = std::min(s.start, run_interval.first);
    computing[cluster] = covered(list);
  }
  std::vector<std::pair<double, double>> all;
  for (const auto& [cluster, list] : intervals) all.insert(all.end(), list.begin(), list.end());
  s.computing = covered(std::move(all));

  for (auto& [key, w] : workers) {
    w.summary.threads = static_cast<int>(w.threads.size());
    const double available = w.summary.threads * computing[w.summary.cluster];
    w.summary.percent_busy = available > 0 ? 100 * w.summary.busy / available : 0;
    s.workers.push_back(std::move(w.summary));
  }
  for (auto& [name, g] : groups) {
    g.mean = g.total / double(g.count);
    s.groups.push_back(std::move(g));
  }
  std::stable_sort(s.groups.begin(), s.groups.end(),
                   [](const auto& a, const auto& b) { return a.total > b.total; });
  return s;
}

}  // namespace tessera::diagnostics
