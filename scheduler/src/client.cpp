#include "tessera/client.hpp"

#include <fmt/format.h>

#include "cluster_state.hpp"
#include "tessera/bytes.hpp"
#include "tessera/errors.hpp"

namespace tessera {

Client::Client(LocalCluster& cluster) : cluster_view_(&cluster), state_(cluster.shared_state()) {
  detail::push_executor(state_->scheduler);
}

Client::Client(ClusterOptions options)
    : own_cluster_(std::make_unique<LocalCluster>(std::move(options))),
      cluster_view_(own_cluster_.get()),
      state_(own_cluster_->state_) {
  detail::push_executor(state_->scheduler);
}

Client::~Client() {
  if (own_cluster_)
    shutdown();
  else
    close();
}

void Client::close() {
  if (closed_) return;
  closed_ = true;
  detail::remove_executor(state_->scheduler.get());
}

void Client::shutdown() {
  close();
  state_->close();
}

std::string Client::status() const {
  return closed_ ? "closed" : "running";
}

std::shared_ptr<Executor> Client::executor() const {
  if (closed_) throw ClosedError("cannot submit: the client is closed");
  return state_->scheduler;
}

std::ostream& operator<<(std::ostream& out, const Client& client) {
  const ClusterPlan& plan = client.state_->plan;
  out << fmt::format("Client(cluster={}, workers={}, threads={}, memory={}, gpus={})\n",
                     client.state_->name, plan.workers.size(), plan.total_threads,
                     plan.total_memory ? format_bytes(plan.total_memory) : "no limit",
                     plan.gpu_workers);
  out << fmt::format("  {:<15} {}\n", "Status:", client.status());
  out << fmt::format("  {:<15} LocalCluster {} (in process, {})\n",
                     "Connection:", client.state_->name,
                     client.state_->closed() ? "closed" : "running");
  return out << describe_plan(plan, client.state_->dashboard_link);
}

}  // namespace tessera
