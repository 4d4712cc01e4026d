// Chunk transfers between two ranks against plain MPI in the same run (issue 13's targets):
// a plain MPI ping-pong on MPI_COMM_WORLD gives the one-way time per size; then a chain of tasks
// alternating between rank 0 and rank 1 (each passes its input on) moves the same bytes through
// an MPICluster, one transfer per task. Prints both per size, bandwidth ratio and the overhead
// above MPI's own one-way time. Run: mpirun -np 2 bench_mpi_transfer

#include <fmt/format.h>
#include <mpi.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <vector>

#include "tessera/mpi_cluster.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// One-way seconds for `bytes` by MPI ping-pong (best of `repeat` runs of `rounds` round trips).
double mpi_one_way(int rank, std::size_t bytes, int rounds, int repeat) {
  std::vector<char> buffer(std::max<std::size_t>(bytes, 1));
  double best = 1e300;
  for (int r = 0; r < repeat; ++r) {
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = now();
    for (int i = 0; i < rounds; ++i) {
      if (rank == 0) {
        MPI_Send(buffer.data(), static_cast<int>(bytes), MPI_BYTE, 1, 0, MPI_COMM_WORLD);
        MPI_Recv(buffer.data(), static_cast<int>(bytes), MPI_BYTE, 1, 0, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
      } else if (rank == 1) {
        MPI_Recv(buffer.data(), static_cast<int>(bytes), MPI_BYTE, 0, 0, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
        MPI_Send(buffer.data(), static_cast<int>(bytes), MPI_BYTE, 0, 0, MPI_COMM_WORLD);
      }
    }
    best = std::min(best, (now() - start) / (2.0 * rounds));
  }
  return best;
}

/// One-way seconds per hop of a task chain alternating ranks 0 and 1, each task handing on an
/// array of `bytes`.
double tessera_one_way(std::size_t bytes, int hops, int repeat) {
  const auto elements = static_cast<std::int64_t>(std::max<std::size_t>(bytes / 8, 1));
  auto first = ts::TaskFunction(
      [elements](std::span<const ts::Value* const>, const ts::TaskContext&) -> ts::Value {
        return ts::NDArray({elements}, ts::DType::float64);
      });
  auto pass = ts::TaskFunction([](std::span<const ts::Value* const> in,
                                  const ts::TaskContext&) -> ts::Value { return *in[0]; });
  double best = 1e300;
  for (int r = 0; r < repeat; ++r) {
    ts::TaskPtr task = std::make_shared<const ts::TaskNode>("first", std::vector<ts::TaskPtr>{},
                                                            ts::TaskFunctions(first), false, 0);
    for (int h = 1; h <= hops; ++h)
      task = std::make_shared<const ts::TaskNode>("hop", std::vector<ts::TaskPtr>{task},
                                                  ts::TaskFunctions(pass), false, h % 2);
    // The output itself is small (its first element), so only the hops move the array.
    auto tail = std::make_shared<const ts::TaskNode>(
        "tail", std::vector<ts::TaskPtr>{task},
        ts::TaskFunctions(ts::TaskFunction(
            [](std::span<const ts::Value* const> in, const ts::TaskContext&) -> ts::Value {
              return in[0]->get<ts::NDArray>().size();
            })),
        false, hops % 2);
    MPI_Barrier(MPI_COMM_WORLD);
    const double start = now();
    ts::run_graph({tail});
    best = std::min(best, (now() - start) / hops);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  // One cluster, and no MPI call of ours while it is open: SERIALIZED spares Open MPI's locking.
  MPI_Init_thread(&argc, &argv, MPI_THREAD_SERIALIZED, &provided);
  int rank = 0, size = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  if (size != 2) {
    if (rank == 0) std::fprintf(stderr, "run with mpirun -np 2\n");
    MPI_Finalize();
    return 2;
  }
  struct Result {
    std::size_t bytes;
    double mpi, tessera;
  };
  std::vector<Result> results;
  const std::vector<std::size_t> sizes{8, 64 << 10, 1 << 20, 8 << 20, 64 << 20};
  for (std::size_t bytes : sizes) {
    const int rounds = bytes >= (8 << 20) ? 20 : 200;
    results.push_back({bytes, mpi_one_way(rank, bytes, rounds, 3), 0});
  }
  {
    ts::MPICluster cluster({.n_workers = 1, .threads_per_worker = 1, .dashboard_address = ""});
    ts::Client client(cluster);
    for (Result& result : results)
      result.tessera = tessera_one_way(result.bytes, result.bytes >= (8 << 20) ? 20 : 200, 3);
  }
  if (rank == 0)
    for (const Result& r : results)
      std::printf(
          "bytes=%zu mpi_one_way_us=%.2f tessera_one_way_us=%.2f bandwidth_ratio=%.2f "
          "overhead_us=%.2f\n",
          r.bytes, r.mpi * 1e6, r.tessera * 1e6, r.mpi / r.tessera, (r.tessera - r.mpi) * 1e6);
  MPI_Finalize();
  return 0;
}
