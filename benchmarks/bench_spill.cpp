// Summing a persisted array 4x the cluster's memory limit (most chunks spilled to disk) against
// reading the same spill files with `cat`, in one run. Prints one JSON object.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "memory/block_store.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

template <class F>
double best_seconds(int repeats, F&& f) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

int main() {
  ts::LocalCluster cluster({.n_workers = 2,
                            .threads_per_worker = 1,
                            .memory_limit = "32MiB",
                            .n_gpu_workers = 0,
                            .dashboard_address = "",
                            // Managed-memory spilling only, as in the Dask anchor (whose process
                            // thresholds are off: its workers alone exceed 32 MiB resident).
                            .memory_spill = 0});
  ts::Client client(cluster);
  auto x = ts::random::random({4096, 8192}, {512, 512}, 1);  // 256 MiB, 4x the 64 MiB limit
  ts::Array p = x.persist();
  auto store = block_store_of(*cluster.executor());
  double total = 0;
  const double sum_seconds = best_seconds(3, [&] { total = p.sum().compute().item<double>(); });
  const std::string cat = "cat '" + store->directory() + "'/* > /dev/null";
  const double cat_seconds = best_seconds(3, [&] {
    if (std::system(cat.c_str()) != 0) std::fprintf(stderr, "cat failed\n");
  });
  std::printf(
      "{\"case\": \"sum persisted 4x limit\", \"array_bytes\": %lld, \"limit_bytes\": %d, "
      "\"spilled_bytes\": %llu, \"spilled_file_bytes\": %llu, "
      "\"sum_seconds\": %.6f, \"cat_seconds\": %.6f, \"ratio\": %.3f, \"sum\": %.10g}\n",
      static_cast<long long>(x.nbytes()), 64 << 20,
      static_cast<unsigned long long>(store->spilled_bytes()),
      static_cast<unsigned long long>(store->spilled_file_bytes()), sum_seconds, cat_seconds,
      sum_seconds / cat_seconds, total);
  return 0;
}
