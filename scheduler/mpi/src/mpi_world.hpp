#pragma once
// MPI itself: initialized once per process, by the program or by the first MPICluster.

#include <mpi.h>

#include <string>

namespace tessera::detail {

/// Initializes MPI unless the program did, asking for MPI_THREAD_MULTIPLE (each cluster's
/// communication thread calls MPI at any time, as may the program's own threads: a program that
/// calls MPI_Bcast while a computation runs, or two clusters side by side), and finalizes it at
/// exit when it initialized it. Throws std::runtime_error when MPI offers less thread support.
void ensure_mpi_initialized();

/// Throws std::runtime_error naming `what` and MPI's message unless `code` is MPI_SUCCESS.
void mpi_check(int code, const char* what);

/// This process's host name as MPI reports it.
std::string mpi_host_name();

}  // namespace tessera::detail
