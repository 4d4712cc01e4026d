#pragma once
// A cluster over many processes (MPI ranks), launched by mpirun or srun: every rank runs the same
// program, builds the same graphs and gets the same results (SPMD). Each task runs on one owner
// rank; values that other ranks need cross as bytes (see codec.hpp), computed results reach every
// rank, bit-identical to a single-process run. Link tessera::mpi.
//
//   ts::MPICluster cluster({.threads_per_worker = 1});   // on every rank
//   ts::Client client(cluster);
//   double s = (x + x.T()).mean(0).std().compute().item<double>();   // same value on every rank

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "tessera/cluster_options.hpp"
#include "tessera/executor.hpp"

namespace tessera {

namespace detail {
class MPIClusterState;
}

/// Where a rank runs, for choosing its GPU: its rank in the job, its rank among the ranks on its
/// node (MPI_Comm_split_type SHARED) and the CUDA devices it sees.
struct RankPlace {
  int rank = 0, size = 1;
  int node_rank = 0, node_size = 1;
  int visible_gpus = 0;
};

/// LocalCluster's options, applied per rank, and what only a job of many ranks needs.
/// Set fields by name (`MPIClusterOptions options; options.gpu_for_rank = ...;`) or aggregate
/// initialize with the ClusterOptions first: `MPIClusterOptions{{.threads_per_worker = 1}, ...}`.
struct MPIClusterOptions : ClusterOptions {
  /// The CUDA device (among the visible ones) of this rank's first GPU worker; further GPU
  /// workers of the rank take the next devices, modulo the visible ones. -1: no GPU worker.
  /// Unset: the node-local rank modulo the visible devices, so the ranks of a node spread over
  /// its GPUs (several ranks share a GPU when there are more ranks than GPUs). Ignored when
  /// gpu_devices is given. With a device chosen, n_gpu_workers defaults to 1 per rank.
  std::function<int(const RankPlace&)> gpu_for_rank;
  /// Seconds a computation may wait for another rank's values while that rank shows no progress
  /// towards them (it has not started the computation, finished it without sending them, or
  /// does not answer) before the computation fails with a TimeoutError naming the ranks and
  /// tasks. A rank still running the computation is never timed out. 0: wait forever.
  double exchange_timeout = 60;
};

/// Every rank constructs one, in the same order as every other rank (it is collective).
/// Initializes MPI when the program has not (MPI_THREAD_MULTIPLE; finalized at exit).
class MPICluster {
 public:
  /// Starts this rank's workers sized by `options`, which apply per rank. When any rank cannot
  /// start (a bad option, a busy dashboard port), every rank throws: that rank its own error,
  /// the others a std::runtime_error naming it and its message. Defaults: one CPU
  /// worker whose threads share this node's cores with the node's other ranks, one GPU worker
  /// on the device gpu_for_rank picks when a GPU is visible, and the dashboard on rank 0 only.
  explicit MPICluster(MPIClusterOptions options = {});
  /// The same with LocalCluster's options: `MPICluster cluster({.threads_per_worker = 1});`.
  explicit MPICluster(ClusterOptions options);
  ~MPICluster();
  MPICluster(MPICluster&&) noexcept;
  MPICluster& operator=(MPICluster&&) noexcept;

  /// This process's rank and the number of ranks.
  int rank() const;
  int size() const;
  /// Stops this rank's workers; computations still running fail with ClosedError. Collective,
  /// like the constructor (and the destructor, which closes): it returns once every rank has
  /// closed and every message between them has arrived, or after 30 s without that (logged).
  /// Idempotent.
  void close();
  /// "running" or "closed".
  std::string status() const;
  /// The executor compute() uses under a Client of this cluster.
  std::shared_ptr<Executor> executor() const;
  /// The dashboard link (rank 0 only; "" elsewhere or when off).
  std::string dashboard_link() const;

  /// Ranks, this rank's host and workers, and the dashboard.
  friend std::ostream& operator<<(std::ostream& out, const MPICluster& cluster);

 private:
  std::shared_ptr<detail::MPIClusterState> state_;
  friend class Client;
};

}  // namespace tessera
