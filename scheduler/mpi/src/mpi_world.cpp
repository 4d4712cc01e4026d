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
  if (provided < MPI_THREAD_MULTIPLE)
    throw std::runtime_error(fmt::format(
        "MPI provides thread level {} but Tessera needs MPI_THREAD_MULTIPLE ({}): each cluster's "
        "communication thread calls MPI while the program's threads may too; initialize MPI "
        "with MPI_Init_thread(..., MPI_THREAD_MULTIPLE, ...) or let MPICluster do it",
        provided, MPI_THREAD_MULTIPLE));
}

std::string mpi_host_name() {
  char name[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  MPI_Get_processor_name(name, &length);
  return std::string(name, length);
}

}  // namespace tessera::detail
