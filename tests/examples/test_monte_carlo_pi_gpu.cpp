// Monte Carlo π through the scheduler on a real GPU (label gpu; skips without one, saying whether
// there is none or CUDA failed): a GPU worker with two streams and a mixed CPU+GPU cluster count
// exactly the hits of a CPU-only cluster, since sample j is the same Philox draw on every backend
// and the count does not depend on chunking, workers or device.
#include <gtest/gtest.h>

#include <cstdint>

#include "monte_carlo_pi.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;

namespace {

// Chunk tasks the cluster's CUDA workers finished.
std::uint64_t gpu_tasks(const LocalCluster& cluster) {
  std::uint64_t finished = 0;
  for (const WorkerInfo& worker : cluster.executor()->workers())
    if (worker.backend == Backend::cuda) finished += worker.finished;
  return finished;
}

}  // namespace

TEST(MonteCarloPiGpu, GpuAndMixedClustersCountTheCpuClustersHitsExactly) {
  if (const auto cuda = kernels::cuda_status(); cuda.count == 0) GTEST_SKIP() << cuda.describe();
  // Odd, so chunks end in the middle of a Philox block (two samples per block); 64 chunks give
  // both streams of the GPU worker, and the CPU worker of the mixed cluster, work to take.
  const PiOptions options{.samples = 1'000'000'007, .chunks = 64, .seed = 11};

  LocalCluster cpu(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  PiOptions on_cpu = options;
  on_cpu.device = PiDevice::cpu;
  const PiResult reference = monte_carlo_pi(on_cpu, *cpu.executor());

  LocalCluster gpu(
      {.n_workers = 0, .n_gpu_workers = 1, .streams_per_gpu = 2, .dashboard_address = ""});
  ASSERT_EQ(gpu.executor()->workers().at(0).threads, 2) << "one task slot per stream";
  PiOptions on_gpu = options;
  on_gpu.device = PiDevice::gpu;
  const PiResult gpu_result = monte_carlo_pi(on_gpu, *gpu.executor());
  EXPECT_EQ(gpu_result.hits, reference.hits);
  EXPECT_EQ(gpu_result.device, "gpu");
  EXPECT_EQ(gpu_tasks(gpu), 65u) << "the 64 chunks and the sum, all on the only worker";

  LocalCluster mixed({.n_workers = 1,
                      .threads_per_worker = 2,
                      .n_gpu_workers = 1,
                      .streams_per_gpu = 2,
                      .dashboard_address = ""});
  const PiResult mixed_result = monte_carlo_pi(options, *mixed.executor());  // device automatic
  EXPECT_EQ(mixed_result.hits, reference.hits);
  EXPECT_EQ(mixed_result.device, "cpu+gpu");
  EXPECT_GT(gpu_tasks(mixed), 0u) << "the GPU worker took no chunk: nothing was mixed";
}
