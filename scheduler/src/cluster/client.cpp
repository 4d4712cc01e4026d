#include "tessera/client.hpp"

#include <fmt/format.h>

#include "cluster_state.hpp"
#include "tessera/bytes.hpp"
#include "tessera/errors.hpp"

namespace tessera {

Client::Client(LocalCluster& cluster)
    : cluster_(LocalCluster::View{}, cluster.shared_state()), executor_(state().scheduler) {
  detail::push_executor(executor_);
}

Client::Client(ClusterOptions options)
    : cluster_(std::move(options)), executor_(state().scheduler) {
  detail::push_executor(executor_);
}

Client::~Client() {
  if (cluster_.owns_)
    shutdown();
  else
    close();
}

void Client::close() {
  if (closed_) return;
  closed_ = true;
  detail::remove_executor(executor_.get());
}

void Client::shutdown() {
  close();
  state().close();
}

detail::ClusterState& Client::state() const {
  return cluster_.state();
}

std::string Client::status() const {
  return closed_ ? "closed" : "running";
}

std::shared_ptr<Executor> Client::executor() const {
  if (closed_) throw ClosedError("cannot submit: the client is closed");
  return executor_;
}

std::ostream& operator<<(std::ostream& out, const Client& client) {
  const ClusterPlan& plan = client.state().plan;
  out << fmt::format("Client(cluster={}, workers={}, threads={}, memory={}, gpus={})\n",
                     client.state().name, plan.workers.size(), plan.total_threads,
                     plan.total_memory ? format_bytes(plan.total_memory) : "no limit",
                     plan.gpu_workers);
  out << fmt::format("  {:<15} {}\n", "Status:", client.status());
  out << fmt::format("  {:<15} LocalCluster {} (in process, {})\n",
                     "Connection:", client.state().name,
                     client.state().closed() ? "closed" : "running");
  return out << describe_plan(plan, client.state().dashboard_link);
}

}  // namespace tessera
