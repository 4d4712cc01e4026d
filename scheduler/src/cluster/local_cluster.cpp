#include "tessera/local_cluster.hpp"

#include <fmt/format.h>

#include <random>
#include <sstream>

#include "cluster_state.hpp"
#if TESSERA_HAVE_DASHBOARD
#include "dashboard_link.hpp"
#include "dashboard_server.hpp"
#endif
#include "tessera/bytes.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/errors.hpp"

namespace tessera {
namespace detail {
namespace {

std::string random_name() {
  std::random_device device;
  return fmt::format("{:08x}", device());
}

}  // namespace

namespace {
ClusterPlan prefixed(ClusterPlan plan, const std::string& prefix) {
  for (WorkerInfo& worker : plan.workers) worker.name = prefix + worker.name;
  return plan;
}
}  // namespace

ClusterState::ClusterState(ClusterOptions opts, const std::string& worker_prefix)
    : options(std::move(opts)),
      plan(prefixed(plan_cluster(options, detect_hardware()), worker_prefix)),
      name(options.name.empty() ? random_name() : options.name),
      memory(options, plan, name),
      scheduler(
          std::make_shared<Scheduler>(plan.workers, name, memory.store(), options.memory_pause)) {
  if (options.dashboard_address.empty()) return;
    // The cluster is useful without its dashboard (Dask, too, only warns).
#if TESSERA_HAVE_DASHBOARD
  try {
    dashboard = std::make_shared<dashboard::DashboardServer>(
        dashboard::ClusterView{name, options, plan, scheduler, other_workers},
        options.dashboard_address, dashboard::link_template(options.dashboard_link));
    dashboard_link = dashboard->link();
  } catch (const std::runtime_error& e) {
    log_warning(fmt::format("dashboard not started: {}", e.what()));
  }
#else
  // Once per process: every default cluster asks for a dashboard.
  static std::once_flag warned;
  std::call_once(warned, [] {
    log_warning(
        "dashboard not started: this Tessera was built without it (TESSERA_WITH_DASHBOARD=OFF); "
        "pass dashboard_address = \"\" to silence this");
  });
#endif
}

ClusterState::~ClusterState() {
  close();
}

void ClusterState::close() {
  if (!closed_.exchange(true)) {
#if TESSERA_HAVE_DASHBOARD
    if (dashboard) dashboard->stop();
#endif
  }
  // Every time: after a task closed the cluster, a close from outside still waits for that
  // task's thread (stop() is idempotent, and returns at once inside a task).
  scheduler->stop();
  memory.close();
}

}  // namespace detail

LocalCluster::LocalCluster(ClusterOptions options)
    : state_(std::make_shared<detail::ClusterState>(std::move(options))) {}

LocalCluster::LocalCluster(View, std::shared_ptr<detail::ClusterState> state)
    : state_(std::move(state)), owns_(false) {}

LocalCluster::~LocalCluster() {
  if (state_ && owns_) state_->close();
}

const std::shared_ptr<detail::ClusterState>& LocalCluster::shared_state() const {
  if (!state_)
    throw ClosedError("this LocalCluster was moved from: use the cluster it was moved to");
  return state_;
}
detail::ClusterState& LocalCluster::state() const {
  return *shared_state();
}

void LocalCluster::close() {
  if (state_) state_->close();
}
std::string LocalCluster::status() const {
  return !state_ || state_->closed() ? "closed" : "running";
}
const std::string& LocalCluster::name() const {
  return state().name;
}
const ClusterPlan& LocalCluster::plan() const {
  return state().plan;
}
std::string LocalCluster::dashboard_link() const {
  return state().dashboard_link;
}
std::shared_ptr<Executor> LocalCluster::executor() const {
  return state().scheduler;
}
std::uint64_t LocalCluster::tasks_finished(int worker) const {
  return state().scheduler->stats(worker).finished;
}
std::uint64_t LocalCluster::tasks_stolen(int worker) const {
  return state().scheduler->stats(worker).stolen;
}

std::string describe_plan(const ClusterPlan& plan, const std::string& dashboard_link) {
  std::ostringstream out;
  const WorkerInfo* first_cpu = nullptr;
  for (const auto& w : plan.workers)
    if (w.backend == Backend::host) {
      first_cpu = &w;
      break;
    }
  out << fmt::format("  {:<15} {}\n",
                     "Dashboard:", dashboard_link.empty() ? "off" : dashboard_link);
  out << fmt::format(
      "  {:<15} {} ({} CPU{}, {} GPU{})\n", "Workers:", plan.workers.size(), plan.cpu_workers,
      first_cpu
          ? fmt::format(" x {} thread{}", first_cpu->threads, first_cpu->threads == 1 ? "" : "s")
          : std::string(),
      plan.gpu_workers,
      plan.backend_workers ? fmt::format(", {} other", plan.backend_workers) : std::string());
  out << fmt::format("  {:<15} {}\n", "Total threads:", plan.total_threads);
  out << fmt::format("  {:<15} {}", "Total memory:",
                     plan.total_memory ? format_bytes(plan.total_memory) : std::string("no limit"));
  if (first_cpu && first_cpu->memory_limit)
    out << fmt::format(" ({} per worker; system {})", format_bytes(first_cpu->memory_limit),
                       format_bytes(plan.system_memory));
  out << "\n";
  out << fmt::format("  {:<15} ", "GPUs:");
  if (plan.gpu_workers == 0) out << "none";
  // A driver too old or missing must not look like a machine without GPUs.
  if (!plan.cuda_error.empty()) out << fmt::format(" (CUDA failed: {})", plan.cuda_error);
  for (const auto& w : plan.workers)
    if (w.backend == Backend::cuda)
      out << fmt::format("\n    {}: device {} {} (limit {})", w.name, w.device, w.device_name,
                         format_bytes(w.memory_limit));
  out << "\n";
  if (plan.backend_workers > 0) {
    out << "  Other workers:";
    for (const auto& w : plan.workers)
      if (w.backend != Backend::host && w.backend != Backend::cuda)
        out << fmt::format("\n    {}: {} x {} thread{}", w.name, backend_name(w.backend), w.threads,
                           w.threads == 1 ? "" : "s");
    out << "\n";
  }
  return out.str();
}

std::ostream& operator<<(std::ostream& out, const LocalCluster& cluster) {
  if (!cluster.state_)
    return out << fmt::format("LocalCluster(moved from)\n  {:<15} closed\n", "Status:");
  const ClusterPlan& plan = cluster.plan();
  out << fmt::format("LocalCluster({}, workers={}, threads={}, memory={}, gpus={})\n",
                     cluster.name(), plan.workers.size(), plan.total_threads,
                     plan.total_memory ? format_bytes(plan.total_memory) : "no limit",
                     plan.gpu_workers);
  out << fmt::format("  {:<15} {}\n", "Status:", cluster.status());
  // A worker whose device failed runs nothing more: say so where the cluster is described.
  for (std::size_t w = 0; w < plan.workers.size(); ++w)
    if (auto failure = cluster.state_->scheduler->stats(static_cast<int>(w)).failure;
        !failure.empty())
      out << fmt::format("  {:<15} {}: failed: {}\n", "Worker:", plan.workers[w].name, failure);
  return out << describe_plan(plan, cluster.dashboard_link());
}

}  // namespace tessera
