// GPU workers' device memory on a real device (label gpu; skips without one): a persisted array
// larger than device_memory_limit keeps at most the limit on the device, the rest moves to host
// memory, and every value comes back exactly.
#include <gtest/gtest.h>

#include "tessera/kernels/cuda_device.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;

namespace {
constexpr std::uint64_t MiB = 1 << 20;
}

TEST(ClusterGpu, PersistedArrayBeyondTheDeviceLimitMovesToHostAndSumsExactly) {
  // The reason tells "no GPU" from "CUDA failed" (a driver too old or missing, say).
  if (const auto cuda = kernels::cuda_status(); cuda.count == 0) GTEST_SKIP() << cuda.describe();
  const Shape shape{4096, 4096};  // 128 MiB in 16 chunks of 8 MiB
  const Shape chunks{1024, 1024};
  const std::uint64_t seed = 2026;

  LocalCluster gpu_cluster({.n_workers = 0,
                            .n_gpu_workers = 1,
                            .streams_per_gpu = 1,
                            .dashboard_address = "",
                            .device_memory_limit = "40MiB"});
  Client gpu_client(gpu_cluster);
  Array x = random::random(shape, chunks, seed).persist();
  const WorkerInfo stats = gpu_cluster.executor()->workers().at(0);
  EXPECT_LE(stats.device_bytes, 40 * MiB);
  EXPECT_GE(stats.device_bytes, 32 * MiB) << "the newest chunks stay on the device";
  EXPECT_EQ(stats.device_bytes + stats.device_spilled_total, 128 * MiB);

  // The persisted chunks read back (from the device and from host memory) on a CPU cluster,
  // against the same array generated there: identical bits, identical reduction tree.
  Client cpu_client(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  const double persisted = x.sum().compute().item<double>();
  const double generated = random::random(shape, chunks, seed).sum().compute().item<double>();
  EXPECT_EQ(persisted, generated);
}
