#pragma once
// MPI itself: initialized once per process, by the program or by the first MPICluster.

#include <mpi.h>

#include <string>

namespace tessera::detail {

/// Initializes MPI unless the program did, asking for MPI_THREAD_MULTIPLE (each cluster's
/// communication thread calls MPI at any time, as may the program's own threads: a program that
/// calls MPI_Bcast while a computation runs, or two clusters side by side), and finalizes it at
/// exit when it initialized it. A program that initialized MPI itself with
/// MPI_THREAD_SERIALIZED gets one cluster at a time (see ClusterSlot), whose thread is then the
/// only caller of MPI: Open MPI's calls cost a few microseconds less without the locking
/// MULTIPLE needs. Throws std::runtime_error naming the level when MPI offers less.
void ensure_mpi_initialized();

/// Held by each open cluster. Under MPI_THREAD_MULTIPLE any number may be open; under less, a
/// second one throws std::runtime_error naming the thread level (two communication threads
/// would call MPI at once).
class ClusterSlot {
 public:
  ClusterSlot();
  ~ClusterSlot();
  ClusterSlot(const ClusterSlot&) = delete;
  ClusterSlot& operator=(const ClusterSlot&) = delete;
};

/// Throws std::runtime_error naming `what` and MPI's message unless `code` is MPI_SUCCESS.
void mpi_check(int code, const char* what);

/// This process's host name as MPI reports it.
std::string mpi_host_name();

}  // namespace tessera::detail
