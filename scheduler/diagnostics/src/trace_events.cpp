#include "trace_events.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <tuple>

namespace tessera::diagnostics {
namespace {

// Workers never have this many threads or streams, so worker * stride + thread is unique and
// sorts threads under their worker.
constexpr int kThreadStride = 1000;

nlohmann::json metadata(const char* name, int pid, int tid, nlohmann::json args) {
  nlohmann::json event = {{"ph", "M"}, {"name", name}, {"pid", pid}, {"args", std::move(args)}};
  if (tid >= 0) event["tid"] = tid;
  return event;
}

}  // namespace

nlohmann::json trace_events(const EventLogSnapshot& events) {
  double origin = events.opened;
  for (const auto& r : events.submitted) origin = std::min(origin, r.time);
  for (const auto& t : events.tasks) origin = std::min(origin, t.start);
  auto micros = [origin](double t) { return (t - origin) * 1e6; };

  // pid: clusters numbered from 1 in order of appearance (Perfetto wants integers).
  std::map<std::string, int, std::less<>> pids;
  auto pid_of = [&pids](std::string_view cluster) {
    auto it = pids.find(cluster);
    if (it == pids.end()) it = pids.emplace(cluster, static_cast<int>(pids.size()) + 1).first;
    return it->second;
  };
  std::map<std::tuple<int, int>, std::string> thread_names;  // (pid, tid) -> name

  nlohmann::json out = nlohmann::json::array();
  for (const auto& t : events.tasks) {
    const int pid = pid_of(t.cluster);
    const int tid = std::max(t.worker, 0) * kThreadStride + t.thread;
    thread_names.emplace(std::tuple{pid, tid},
                         fmt::format("{} {} {}", t.worker_name,
                                     t.backend == Backend::host ? "thread" : "stream", t.thread));
    nlohmann::json event = {{"ph", "X"},
                            {"cat", "task"},
                            {"name", t.group},
                            {"pid", pid},
                            {"tid", tid},
                            {"ts", micros(t.start)},
                            {"dur", std::max(0.0, (t.stop - t.start) * 1e6)},
                            {"args",
                             {{"key", t.key()},
                              {"run", t.run},
                              {"worker", t.worker_name},
                              {"nbytes", t.nbytes},
                              {"failed", t.failed}}}};
    if (t.failed) event["cname"] = "terrible";  // chrome://tracing's red
    out.push_back(std::move(event));
  }

  // Each computation as an async span from submission to its end, on its cluster's process.
  std::map<std::uint64_t, const RunRecord*> finished;
  for (const auto& r : events.finished) finished[r.run] = &r;
  for (const auto& r : events.submitted) {
    const int pid = pid_of(r.cluster);
    const std::string name = fmt::format("run {} ({} tasks)", r.run, r.tasks);
    out.push_back({{"ph", "b"},
                   {"cat", "run"},
                   {"name", name},
                   {"id", r.run},
                   {"pid", pid},
                   {"tid", 0},
                   {"ts", micros(r.time)}});
    if (auto it = finished.find(r.run); it != finished.end())
      out.push_back({{"ph", "e"},
                     {"cat", "run"},
                     {"name", name},
                     {"id", r.run},
                     {"pid", pid},
                     {"tid", 0},
                     {"ts", micros(it->second->time)},
                     {"args", {{"failed", it->second->failed}}}});
  }

  for (const auto& [cluster, pid] : pids)
    out.push_back(metadata("process_name", pid, -1, {{"name", "cluster " + cluster}}));
  for (const auto& [ids, name] : thread_names) {
    const auto [pid, tid] = ids;
    out.push_back(metadata("thread_name", pid, tid, {{"name", name}}));
    out.push_back(metadata("thread_sort_index", pid, tid, {{"sort_index", tid}}));
  }
  return {{"traceEvents", std::move(out)},
          {"displayTimeUnit", "ms"},
          {"otherData", {{"generator", "tessera"}, {"origin_epoch_seconds", origin}}}};
}

}  // namespace tessera::diagnostics
