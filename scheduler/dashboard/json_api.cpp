#include "json_api.hpp"

#include <fmt/format.h>

#include <unordered_map>

#include "tessera/build_info.hpp"
#include "tessera/diagnostics/bus.hpp"

namespace tessera::dashboard {
namespace {

const char* kind_name(bool gpu) {
  return gpu ? "gpu" : "cpu";
}

nlohmann::json groups_json(const std::vector<GroupProgress>& groups) {
  nlohmann::json out = nlohmann::json::array();
  for (const GroupProgress& g : groups)
    out.push_back({{"name", g.name}, {"total", g.total}, {"done", g.done}, {"failed", g.failed}});
  return out;
}

std::string run_state(const RunProgress& run) {
  if (run.finished == 0) return "running";
  return run.failed > 0 ? "failed" : "finished";
}

// A run counts as "current" this long after it finished, so short jobs stay visible.
constexpr double kRecentSeconds = 5.0;
// How many of the remembered runs /api/v1/status lists.
constexpr std::size_t kStatusRuns = 16;

}  // namespace

nlohmann::json worker_json(const WorkerInfo& w, int index) {
  return {{"index", index},
          {"name", w.name},
          {"kind", kind_name(shown_as_gpu(w))},
          {"device", w.device},
          {"device_name", w.device_name},
          {"threads", w.threads},
          {"memory", bytes_in_memory(w)},
          {"memory_stored", w.stored},
          {"memory_spilled", w.spilled},
          {"memory_limit", w.memory_limit},
          {"memory_device", w.device_bytes},
          {"memory_device_spilled_total", w.device_spilled_total},
          {"gpu_memory_used", w.device_memory_used},
          {"gpu_memory_total", shown_as_gpu(w) ? w.device_memory : 0},
          {"cpu_seconds", w.cpu_seconds},
          {"cpu_percent", w.cpu_percent},
          {"queued", w.queued},
          {"executing", w.executing},
          {"finished", w.finished},
          {"failed", w.failed},
          {"stolen", w.stolen}};
}

nlohmann::json workers_json(const std::vector<WorkerInfo>& workers) {
  nlohmann::json out = nlohmann::json::array();
  for (std::size_t w = 0; w < workers.size(); ++w)
    out.push_back(worker_json(workers[w], static_cast<int>(w)));
  return out;
}

std::vector<GroupProgress> current_progress(const std::vector<RunProgress>& runs, double now) {
  std::vector<const RunProgress*> chosen;
  for (const RunProgress& run : runs)
    if (run.finished == 0 || now - run.finished <= kRecentSeconds) chosen.push_back(&run);
  if (chosen.empty() && !runs.empty()) chosen.push_back(&runs.back());
  std::vector<GroupProgress> out;
  std::unordered_map<std::string_view, std::size_t> index;
  for (const RunProgress* run : chosen)
    for (const GroupProgress& g : run->groups) {
      auto [it, added] = index.emplace(g.name, out.size());
      if (added) out.push_back({g.name, 0, 0, 0});
      GroupProgress& sum = out[it->second];
      sum.total += g.total;
      sum.done += g.done;
      sum.failed += g.failed;
    }
  return out;
}

nlohmann::json status_json(const ClusterView& view, const std::vector<WorkerInfo>& workers,
                           const std::vector<RunProgress>& runs, std::uint64_t last_seq) {
  const double now = diagnostics::now_seconds();
  nlohmann::json run_list = nlohmann::json::array();
  const std::size_t first = runs.size() > kStatusRuns ? runs.size() - kStatusRuns : 0;
  for (std::size_t i = first; i < runs.size(); ++i) {
    const RunProgress& r = runs[i];
    run_list.push_back({{"run", r.run},
                        {"state", run_state(r)},
                        {"tasks", r.tasks},
                        {"done", r.done},
                        {"failed", r.failed},
                        {"cancelled", r.cancelled},
                        {"submitted", r.submitted},
                        {"finished", r.finished},
                        {"groups", groups_json(r.groups)},
                        {"edges", r.edges}});
  }
  std::uint64_t memory = 0, executing = 0, queued = 0, finished = 0;
  for (const WorkerInfo& w : workers) {
    memory += bytes_in_memory(w);
    executing += w.executing;
    queued += w.queued;
    finished += w.finished;
  }
  return {{"cluster", view.name},
          {"time", now},
          {"last_seq", last_seq},
          {"totals",
           {{"workers", workers.size()},
            {"threads", view.plan.total_threads},
            {"memory", memory},
            {"memory_limit", view.plan.total_memory},
            {"executing", executing},
            {"queued", queued},
            {"finished", finished}}},
          {"workers", workers_json(workers)},
          {"runs", std::move(run_list)},
          {"progress", groups_json(current_progress(runs, now))}};
}

std::string tasks_json(const TaskBatch& batch, const std::vector<WorkerInfo>& workers) {
  // Written directly rather than through a JSON tree: the live stream sends up to a thousand
  // records four times a second from a core the workers need, and the tree cost ten times more.
  // Names are escaped once each (nlohmann's dump), numbers need no escaping.
  auto quoted = [](std::string_view text) { return nlohmann::json(text).dump(); };
  std::vector<std::string> groups, worker_names;
  for (std::string_view g : batch.group_names) groups.push_back(quoted(g));
  for (const auto& w : workers) worker_names.push_back(quoted(w.name));
  // The key "<group>-<id in hex>" (TaskRecord::key()) is the group's quoted name with the id
  // spliced in before its closing quote.
  const std::string unknown = quoted("");
  fmt::memory_buffer out;
  fmt::format_to(std::back_inserter(out),
                 R"({{"first_seq":{},"last_seq":{},"skipped":{},"tasks":[)", batch.first_seq,
                 batch.last_seq, batch.skipped);
  std::uint64_t seq = batch.from_seq;
  for (const TaskEntry& t : batch.tasks) {
    const std::string& group = t.group < groups.size() ? groups[t.group] : unknown;
    const bool known = t.worker < workers.size();
    const bool gpu = known && workers[t.worker].backend != Backend::host;
    if (seq != batch.from_seq) out.push_back(',');
    fmt::format_to(std::back_inserter(out),
                   R"({{"seq":{},"key":{}-{:x}","group":{},"run":{},"worker":{},"worker_name":{},)"
                   R"("kind":"{}","thread":{},"start":{},"stop":{},"failed":{},"count":{}}})",
                   seq++, std::string_view(group).substr(0, group.size() - 1), t.task, group, t.run,
                   t.worker, known ? worker_names[t.worker] : unknown, kind_name(gpu), t.thread,
                   t.start, t.stop(), t.failed, static_cast<int>(t.count));
  }
  out.append(std::string_view("]}"));
  return fmt::to_string(out);
}

nlohmann::json info_json(const ClusterView& view, const ServerFacts& server) {
  const ClusterOptions& o = view.options;
  auto optional = [](const std::optional<int>& v) -> nlohmann::json {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  nlohmann::json workers = nlohmann::json::array();
  for (const WorkerInfo& w : view.plan.workers)
    workers.push_back({{"name", w.name},
                       {"kind", kind_name(w.backend != Backend::host)},
                       {"threads", w.threads},
                       {"device", w.device},
                       {"device_name", w.device_name},
                       {"memory_limit", w.memory_limit}});
  return {{"cluster", view.name},
          {"options",
           {{"n_workers", optional(o.n_workers)},
            {"threads_per_worker", optional(o.threads_per_worker)},
            {"memory_limit", o.memory_limit.text()},
            {"n_gpu_workers", optional(o.n_gpu_workers)},
            {"streams_per_gpu", o.streams_per_gpu},
            {"dashboard_address", o.dashboard_address},
            {"dashboard_link", o.dashboard_link}}},
          {"plan",
           {{"cpu_workers", view.plan.cpu_workers},
            {"gpu_workers", view.plan.gpu_workers},
            {"total_threads", view.plan.total_threads},
            {"total_memory", view.plan.total_memory},
            {"system_memory", view.plan.system_memory},
            {"workers", std::move(workers)}}},
          {"dashboard",
           {{"address", server.address},
            {"host", server.host},
            {"port", server.port},
            {"token_required", server.token_required},
            {"link", server.link}}},
          {"build", {{"cuda", build_info().cuda}, {"components", build_info().components()}}}};
}

}  // namespace tessera::dashboard
