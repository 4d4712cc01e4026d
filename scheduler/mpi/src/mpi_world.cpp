#include "mpi_world.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace tessera::detail {

void mpi_check(int code, const char* what) {
  if (code == MPI_SUCCESS) return;
  char message[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, message, &length);
  throw std::runtime_error(fmt::format("{} failed: {}", what, std::string(message, length)));
}

void ensure_mpi_initialized() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (!initialized) {
    int provided = 0;
    mpi_check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided), "MPI_Init_thread");
    // Errors come back as codes that mpi_check turns into exceptions, not as aborts.
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    std::atexit([] {
      int finalized = 0;
      MPI_Finalized(&finalized);
      if (!finalized) MPI_Finalize();
    });
  }
  int provided = 0;
  MPI_Query_thread(&provided);
  if (provided < MPI_THREAD_SERIALIZED)
    throw std::runtime_error(fmt::format(
        "MPI provides thread level {} but Tessera needs MPI_THREAD_MULTIPLE ({}), or "
        "MPI_THREAD_SERIALIZED ({}) for one cluster at a time: its communication thread calls "
        "MPI; initialize MPI with MPI_Init_thread(..., MPI_THREAD_MULTIPLE, ...) or let "
        "MPICluster do it",
        provided, MPI_THREAD_MULTIPLE, MPI_THREAD_SERIALIZED));
}

namespace {
std::mutex clusters_mutex;
int open_clusters = 0;
}  // namespace

ClusterSlot::ClusterSlot() {
  int provided = 0;
  MPI_Query_thread(&provided);
  std::lock_guard lock(clusters_mutex);
  if (provided < MPI_THREAD_MULTIPLE && open_clusters > 0)
    throw std::runtime_error(
        fmt::format("a second MPICluster while one is open needs MPI_THREAD_MULTIPLE ({}); MPI was "
                    "initialized with thread level {}: close the first, or initialize MPI with "
                    "MPI_THREAD_MULTIPLE (as MPICluster does when it initializes MPI)",
                    MPI_THREAD_MULTIPLE, provided));
  ++open_clusters;
}

ClusterSlot::~ClusterSlot() {
  std::lock_guard lock(clusters_mutex);
  --open_clusters;
}

std::string mpi_host_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  MPI_Get_processor_name(name, &length);
  return std::string(name, length);
}

}  // namespace tessera::detail
