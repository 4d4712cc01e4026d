#include "tessera/mpi_cluster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <stdexcept>

#include "cluster/cluster_state.hpp"
#include "exchange.hpp"
#include "mpi_executor.hpp"
#include "mpi_world.hpp"
#include "tessera/client.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/detail/seed_source.hpp"
#include "tessera/errors.hpp"
#include "tessera/hardware.hpp"

namespace tessera {
namespace detail {

class MPIClusterState {
 public:
  explicit MPIClusterState(ClusterOptions options) {
    ensure_mpi_initialized();
    // A communicator of its own: clusters made one after another never see each other's
    // messages, and the program's own MPI traffic never meets the cluster's.
    mpi_check(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    MPI_Comm node;
    mpi_check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node),
              "MPI_Comm_split_type");
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
    host = mpi_host_name();
    // Unseeded random arrays must be the same array on every rank: one seed base for all.
    std::uint64_t seed_base = 0;
    if (rank == 0)
      seed_base = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
    mpi_check(MPI_Bcast(&seed_base, 1, MPI_UINT64_T, 0, comm), "MPI_Bcast");
    set_seed_source(seed_base);
    set_log_prefix(fmt::format("[{}/{} {}]", rank, size, host));

    // Per rank: the node's cores shared among the node's ranks; the dashboard on rank 0 only.
    if (!options.n_workers) options.n_workers = 1;
    if (!options.threads_per_worker)
      options.threads_per_worker = std::max(1, cpu_count() / node_size);
    if (!options.n_gpu_workers) options.n_gpu_workers = 0;
    if (rank != 0) options.dashboard_address.clear();
    local = std::make_shared<ClusterState>(std::move(options), fmt::format("rank{}.", rank));
    exchange = std::make_shared<Exchange>(comm, local->scheduler);
    executor = std::make_shared<MPIExecutor>(local->scheduler, exchange, rank, size);
  }
  ~MPIClusterState() { close(); }

  void close() {
    if (closed) return;
    closed = true;
    exchange->stop();  // first: runs waiting for other ranks fail rather than hang
    local->close();
  }

  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0, size = 1, node_size = 1;
  std::string host;
  std::shared_ptr<ClusterState> local;
  std::shared_ptr<Exchange> exchange;
  std::shared_ptr<MPIExecutor> executor;
  bool closed = false;
};

}  // namespace detail

MPICluster::MPICluster(ClusterOptions options)
    : state_(std::make_shared<detail::MPIClusterState>(std::move(options))) {}
MPICluster::~MPICluster() {
  if (state_) state_->close();
}
MPICluster::MPICluster(MPICluster&&) noexcept = default;
MPICluster& MPICluster::operator=(MPICluster&&) noexcept = default;

namespace {
detail::MPIClusterState& checked(const std::shared_ptr<detail::MPIClusterState>& state) {
  if (!state) throw ClosedError("the MPI cluster was moved from");
  return *state;
}
}  // namespace

int MPICluster::rank() const {
  return checked(state_).rank;
}
int MPICluster::size() const {
  return checked(state_).size;
}
void MPICluster::close() {
  if (state_) state_->close();
}
std::string MPICluster::status() const {
  return !state_ || state_->closed ? "closed" : "running";
}
std::shared_ptr<Executor> MPICluster::executor() const {
  detail::MPIClusterState& state = checked(state_);
  if (state.closed) throw ClosedError("the MPI cluster is closed");
  return state.executor;
}
std::string MPICluster::dashboard_link() const {
  return checked(state_).local->dashboard_link;
}

std::ostream& operator<<(std::ostream& out, const MPICluster& cluster) {
  const detail::MPIClusterState& state = checked(cluster.state_);
  out << fmt::format("MPICluster(ranks={}, rank={}, host={}, status={})\n", state.size, state.rank,
                     state.host, cluster.status());
  out << fmt::format("  {:<15} {}\n", "This rank:", state.local->name);
  return out << describe_plan(state.local->plan, state.local->dashboard_link);
}

Client::Client(MPICluster& cluster)
    : cluster_(LocalCluster::View{}, checked(cluster.state_).local), executor_(cluster.executor()) {
  detail::push_executor(executor_);
}

}  // namespace tessera
