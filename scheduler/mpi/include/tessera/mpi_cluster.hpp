#pragma once
// A cluster over many processes (MPI ranks), launched by mpirun or srun: every rank runs the same
// program, builds the same graphs and gets the same results (SPMD). Each task runs on one owner
// rank; values that other ranks need cross as bytes (see codec.hpp), computed results reach every
// rank, bit-identical to a single-process run. Link tessera::mpi.
//
//   ts::MPICluster cluster({.threads_per_worker = 1});   // on every rank
//   ts::Client client(cluster);
//   double s = (x + x.T()).mean(0).std().compute().item<double>();   // same value on every rank

#include <memory>
#include <ostream>
#include <string>

#include "tessera/cluster_options.hpp"
#include "tessera/executor.hpp"

namespace tessera {

namespace detail {
class MPIClusterState;
}

/// Every rank constructs one, in the same order as every other rank (it is collective).
/// Initializes MPI when the program has not (MPI_THREAD_SERIALIZED; finalized at exit).
class MPICluster {
 public:
  /// Starts this rank's workers sized by `options`, which apply per rank. Defaults: one CPU
  /// worker whose threads share this node's cores with the node's other ranks, no GPU worker
  /// unless n_gpu_workers asks for one, and the dashboard on rank 0 only.
  explicit MPICluster(ClusterOptions options = {});
  ~MPICluster();
  MPICluster(MPICluster&&) noexcept;
  MPICluster& operator=(MPICluster&&) noexcept;

  /// This process's rank and the number of ranks.
  int rank() const;
  int size() const;
  /// Stops this rank's workers; computations still running fail with ClosedError. Idempotent.
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
