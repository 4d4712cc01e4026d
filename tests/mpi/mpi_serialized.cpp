// A program that initialized MPI itself with MPI_THREAD_SERIALIZED (run under mpirun -np 2):
// one MPICluster at a time works, a second one open beside it is refused with an error naming the
// thread level, and after the first closes another opens. Exits 0 when all of that holds.

#include <mpi.h>

#include <cstdio>
#include <stdexcept>
#include <string>

#include "tessera/mpi_cluster.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

namespace {
int failures = 0;
void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "mpi_serialized: %s\n", what);
    ++failures;
  }
}

int sum_of_squares(ts::MPICluster& cluster) {
  ts::Client client(cluster);
  auto square = ts::delayed([](int i) { return i * i; }, "square");
  auto add = ts::delayed([](int a, int b) { return a + b; }, "add");
  return add(square(3), square(4)).compute();
}
}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  const ts::ClusterOptions options{
      .n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""};
  {
    ts::MPICluster first(options);
    check(sum_of_squares(first) == 25, "the first cluster computed a wrong sum");
    try {
      ts::MPICluster second(options);
      check(false, "a second cluster opened beside the first under MPI_THREAD_SERIALIZED");
    } catch (const std::runtime_error& e) {
      check(std::string(e.what()).find("needs MPI_THREAD_MULTIPLE") != std::string::npos,
            "the refusal does not name MPI_THREAD_MULTIPLE");
    }
  }
  ts::MPICluster again(options);
  check(sum_of_squares(again) == 25, "a cluster opened after the first closed computed wrongly");
  again.close();
  MPI_Finalize();
  return failures == 0 ? 0 : 1;
}
