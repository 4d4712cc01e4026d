// MPICluster against a LocalCluster of the same size, side by side (issue 13's targets):
//   benchmarks/bench_mpi.sh runs this program twice, as one process with a LocalCluster of
//   `ranks` one-thread workers (--local), then under mpirun -np `ranks` with one worker thread per
//   rank, and prints the ratios. Workloads: the seed's array reduction (x + x.T).mean(0).std() and
//   a sum, and 100,000 no-op delayed tasks. Each time is the best of --repeat runs.

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "tessera/mpi_cluster.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

namespace {

double best_seconds(int repeat, const std::function<void()>& work) {
  double best = 1e300;
  for (int r = 0; r < repeat; ++r) {
    const auto start = std::chrono::steady_clock::now();
    work();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

int noop(int i) {
  return i;
}

}  // namespace

int main(int argc, char** argv) {
  bool local = false;
  int workers = 2, repeat = 3;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--local"))
      local = true;
    else if (!std::strcmp(argv[i], "--workers") && i + 1 < argc)
      workers = std::atoi(argv[++i]);
    else if (!std::strcmp(argv[i], "--repeat") && i + 1 < argc)
      repeat = std::atoi(argv[++i]);
  }
  std::unique_ptr<ts::LocalCluster> local_cluster;
  std::unique_ptr<ts::MPICluster> mpi_cluster;
  std::unique_ptr<ts::Client> client;
  int rank = 0;
  if (local) {
    local_cluster = std::make_unique<ts::LocalCluster>(
        ts::ClusterOptions{.n_workers = workers, .threads_per_worker = 1, .dashboard_address = ""});
    client = std::make_unique<ts::Client>(*local_cluster);
  } else {
    mpi_cluster = std::make_unique<ts::MPICluster>(
        ts::ClusterOptions{.n_workers = 1, .threads_per_worker = 1, .dashboard_address = ""});
    client = std::make_unique<ts::Client>(*mpi_cluster);
    rank = mpi_cluster->rank();
  }
  const std::string mode =
      local ? fmt::format("local-{}", workers) : fmt::format("mpi-{}", mpi_cluster->size());

  double value = 0;
  const double array_std = best_seconds(repeat, [&] {
    auto x = ts::random::random({8000, 8000}, {1000, 1000}, 7);
    value = (x + x.T()).mean(0).std().compute().item<double>();
  });
  const double array_sum = best_seconds(repeat, [&] {
    value += ts::random::random({8000, 8000}, {1000, 1000}, 8).sum().compute().item<double>();
  });
  auto task = ts::delayed(noop, "noop");
  const double delayed = best_seconds(repeat, [&] {
    std::vector<ts::Delayed<int>> tasks;
    tasks.reserve(100000);
    for (int i = 0; i < 100000; ++i) tasks.push_back(task(i));
    value += ts::compute(tasks).back();
  });
  if (rank == 0)
    std::printf("%s array_std_s=%.4f array_sum_s=%.4f delayed_100k_s=%.4f check=%.17g\n",
                mode.c_str(), array_std, array_sum, delayed, value);
  return 0;
}
