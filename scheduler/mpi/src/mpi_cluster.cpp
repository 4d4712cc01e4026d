#include "tessera/mpi_cluster.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <stdexcept>
#include <tuple>

#include "cluster/cluster_state.hpp"
#include "exchange.hpp"
#include "mpi_executor.hpp"
#include "mpi_world.hpp"
#include "rank_devices.hpp"
#include "task_forwarder.hpp"
#include "tessera/bytes.hpp"
#include "tessera/client.hpp"
#include "tessera/codec.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/detail/seed_source.hpp"
#include "tessera/diagnostics/bus.hpp"
#include "tessera/errors.hpp"
#include "tessera/hardware.hpp"

namespace tessera {
namespace detail {

class MPIClusterState {
 public:
  explicit MPIClusterState(MPIClusterOptions options) {
    ensure_mpi_initialized();
    slot = std::make_unique<ClusterSlot>();
    // A communicator of its own: clusters made one after another never see each other's
    // messages, and the program's own MPI traffic never meets the cluster's.
    mpi_check(MPI_Comm_dup(MPI_COMM_WORLD, &comm), "MPI_Comm_dup");
    MPI_Comm_set_errhandler(comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    MPI_Comm node;
    mpi_check(MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL, &node),
              "MPI_Comm_split_type");
    int node_rank = 0;
    MPI_Comm_size(node, &node_size);
    MPI_Comm_rank(node, &node_rank);
    MPI_Comm_free(&node);
    host = mpi_host_name();
    // Unseeded random arrays must be the same array on every rank: one seed base for all.
    std::uint64_t seed_base = 0;
    if (rank == 0)
      seed_base = (std::uint64_t{std::random_device{}()} << 32) ^ std::random_device{}();
    mpi_check(MPI_Bcast(&seed_base, 1, MPI_UINT64_T, 0, comm), "MPI_Bcast");
    set_seed_source(seed_base);
    set_log_prefix(fmt::format("[{}/{} {}]", rank, size, host));

    // This rank's own part may fail on one rank only (its device, its dashboard's port): every
    // rank learns that before the next collective call, which would otherwise wait forever.
    const double exchange_timeout = options.exchange_timeout;
    std::exception_ptr error;
    std::string why;
    try {
      start_local(std::move(options), node_rank);
    } catch (const std::exception& e) {
      error = std::current_exception();
      why = e.what();
    }
    agree_on_start(error, why);
    gather_ranks();
    // One more thread per rank than its workers': is there a core for it on this node?
    const bool spare_core = cpu_count() >= node_size * (local->plan.total_threads + 1);
    exchange = std::make_shared<Exchange>(comm, local->scheduler, spare_core, exchange_timeout,
                                          task_stream_hooks());
    executor = std::make_shared<MPIExecutor>(local->scheduler, exchange, rank, size, rank_workers);
    // Rank 0's dashboard lists every rank's workers after its own.
    local->other_workers->set([executor = std::weak_ptr<MPIExecutor>(executor)] {
      auto live = executor.lock();
      return live ? live->other_ranks_workers() : std::vector<WorkerInfo>{};
    });
  }
  /// Sizes this rank's workers (per rank: the node's cores and memory shared among the node's
  /// ranks, its GPU, the dashboard on rank 0 only) and starts them.
  void start_local(MPIClusterOptions options, int node_rank) {
    if (!options.n_workers) options.n_workers = 1;
    if (!options.threads_per_worker)
      options.threads_per_worker =
          std::max(1, cpu_count() / (node_size * std::max(1, *options.n_workers)));
    choose_rank_devices(options, {.rank = rank,
                                  .size = size,
                                  .node_rank = node_rank,
                                  .node_size = node_size,
                                  .visible_gpus = static_cast<int>(detect_hardware().gpus.size())});
    // "auto" memory: the node's memory shared among the node's ranks and their workers.
    if (options.memory_limit.text() == "auto")
      options.memory_limit = 1.0 / (node_size * std::max(1, *options.n_workers));
    if (rank != 0) options.dashboard_address.clear();
    if (!(options.exchange_timeout >= 0))
      throw std::invalid_argument(fmt::format("invalid exchange_timeout {}: must be >= 0 seconds",
                                              options.exchange_timeout));
    local = std::make_shared<ClusterState>(static_cast<ClusterOptions&&>(std::move(options)),
                                           fmt::format("rank{}.", rank));
  }

  /// Every rank throws when any rank's start failed: the failing ranks their own error, the
  /// others one naming the first failing rank and its message.
  void agree_on_start(const std::exception_ptr& error, std::string why) {
    const int mine = error ? rank : size;
    int first = size;
    mpi_check(MPI_Allreduce(&mine, &first, 1, MPI_INT, MPI_MIN, comm), "MPI_Allreduce");
    if (first == size) return;
    int length = static_cast<int>(why.size());
    mpi_check(MPI_Bcast(&length, 1, MPI_INT, first, comm), "MPI_Bcast");
    why.resize(static_cast<std::size_t>(length));
    mpi_check(MPI_Bcast(why.data(), length, MPI_CHAR, first, comm), "MPI_Bcast");
    if (local) local->close();
    MPI_Comm_free(&comm);
    if (error) std::rethrow_exception(error);
    throw std::runtime_error(fmt::format("MPICluster: rank {} could not start: {}", first, why));
  }

  ~MPIClusterState() { close(); }

  void close() {
    if (closed) return;
    closed = true;
    exchange->stop();  // first: runs waiting for other ranks fail rather than hang
    if (forwarder) diagnostics::Bus::instance().unsubscribe(forwarder.get());
    local->close();
    slot.reset();
  }

  /// While rank 0 serves a dashboard, every rank's tasks go to its task stream (see
  /// task_forwarder.hpp); otherwise nothing is recorded.
  ReportHooks task_stream_hooks() {
    std::uint8_t dashboard = rank == 0 && !local->dashboard_link.empty();
    mpi_check(MPI_Bcast(&dashboard, 1, MPI_UINT8_T, 0, comm), "MPI_Bcast");
    if (!dashboard || size == 1) return {};
    ReportHooks hooks;
    if (rank != 0) {
      forwarder = std::make_shared<TaskForwarder>(local->name, TaskForwarder::cap_for(size - 1));
      diagnostics::Bus::instance().subscribe(forwarder);
      hooks.extend = [forwarder = forwarder](std::vector<std::byte>& report) {
        forwarder->take(report);
      };
      return hooks;
    }
    // Rank r's workers are listed after rank 0's and those of ranks 1..r-1.
    std::vector<int> first_worker(size, 0);
    std::vector<std::vector<std::string>> names(size);
    int next = static_cast<int>(rank_workers[0].size());
    for (int r = 1; r < size; ++r) {
      first_worker[r] = next;
      next += static_cast<int>(rank_workers[r].size());
      for (const WorkerInfo& w : rank_workers[r]) names[r].push_back(w.name);
    }
    hooks.read = [cluster = local->name, first_worker, names](int from, ByteReader& in) {
      if (from > 0 && from < static_cast<int>(names.size()))
        republish_tasks(in, cluster, first_worker[from], names[from]);
    };
    return hooks;
  }

  /// Every rank's host and workers (as started), so that each rank can describe the whole job
  /// and size work to all of it.
  void gather_ranks() {
    using Described =
        std::tuple<std::string, std::uint8_t, int, int, std::uint64_t, std::string, std::uint64_t>;
    std::vector<Described> mine;
    for (const WorkerInfo& w : local->plan.workers)
      mine.emplace_back(w.name, static_cast<std::uint8_t>(backend_index(w.backend)), w.threads,
                        w.device, w.memory_limit, w.device_name, w.device_memory);
    std::vector<std::byte> bytes;
    ByteWriter out(bytes);
    Codec<std::string>::encode(host, out);
    Codec<std::vector<Described>>::encode(mine, out);
    int length = static_cast<int>(bytes.size());
    std::vector<int> lengths(size), offsets(size);
    mpi_check(MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, comm),
              "MPI_Allgather");
    int total = 0;
    for (int r = 0; r < size; ++r) {
      offsets[r] = total;
      total += lengths[r];
    }
    std::vector<std::byte> all(static_cast<std::size_t>(total));
    mpi_check(MPI_Allgatherv(bytes.data(), length, MPI_BYTE, all.data(), lengths.data(),
                             offsets.data(), MPI_BYTE, comm),
              "MPI_Allgatherv");
    hosts.resize(size);
    rank_workers.resize(size);
    for (int r = 0; r < size; ++r) {
      ByteReader in(all.data() + offsets[r], static_cast<std::size_t>(lengths[r]));
      hosts[r] = Codec<std::string>::decode(in);
      for (const auto& [name, backend, threads, device, memory_limit, device_name, device_memory] :
           Codec<std::vector<Described>>::decode(in))
        rank_workers[r].push_back(WorkerInfo{.backend = static_cast<Backend>(backend),
                                             .threads = threads,
                                             .device = device,
                                             .name = name,
                                             .memory_limit = memory_limit,
                                             .device_name = device_name,
                                             .device_memory = device_memory});
    }
  }

  MPI_Comm comm = MPI_COMM_NULL;
  int rank = 0, size = 1, node_size = 1;
  std::string host;
  std::vector<std::string> hosts;                     ///< per rank
  std::vector<std::vector<WorkerInfo>> rank_workers;  ///< per rank, as started
  std::shared_ptr<ClusterState> local;
  std::shared_ptr<Exchange> exchange;
  std::shared_ptr<MPIExecutor> executor;
  std::shared_ptr<TaskForwarder> forwarder;  ///< ranks other than 0, while rank 0 has a dashboard
  bool closed = false;
  std::unique_ptr<ClusterSlot> slot;  ///< while open (one at a time below MPI_THREAD_MULTIPLE)
};

}  // namespace detail

MPICluster::MPICluster(MPIClusterOptions options)
    : state_(std::make_shared<detail::MPIClusterState>(std::move(options))) {}
MPICluster::MPICluster(ClusterOptions options)
    : MPICluster(MPIClusterOptions{std::move(options)}) {}
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
  int workers = 0, threads = 0, gpus = 0;
  for (const auto& ranks : state.rank_workers)
    for (const WorkerInfo& w : ranks) {
      ++workers;
      threads += w.threads;
      gpus += w.backend == Backend::cuda;
    }
  out << fmt::format("MPICluster(ranks={}, workers={}, threads={}, gpus={}, status={})\n",
                     state.size, workers, threads, gpus, cluster.status());
  for (int r = 0; r < state.size; ++r) {
    std::string names;
    for (const WorkerInfo& w : state.rank_workers[r])
      names += fmt::format("{}{} ({} thread{}{})", names.empty() ? "" : ", ", w.name, w.threads,
                           w.threads == 1 ? "" : "s",
                           w.memory_limit ? ", " + format_bytes(w.memory_limit) : "");
    out << fmt::format("  rank {:<4} {:<20} {}\n", r, state.hosts[r], names);
  }
  if (!state.local->dashboard_link.empty())
    out << fmt::format("  {:<15} {}\n", "Dashboard:", state.local->dashboard_link);
  return out;
}

Client::Client(MPICluster& cluster)
    : cluster_(LocalCluster::View{}, checked(cluster.state_).local), executor_(cluster.executor()) {
  detail::push_executor(executor_);
}

}  // namespace tessera
