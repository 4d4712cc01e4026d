// The same arrays on a cluster whose chunk tasks run on the GPU, on a CPU-only cluster and on a
// mixed one, 20 times each (label gpu; skips without a device): every run on every cluster gives
// the same bits. A reduction's chunk tasks may run on either kind of worker (host or cuda), so
// this holds only because cuda::reduce and host::reduce combine a chunk's elements in the same
// fixed order (reduce_order.hpp) and the tree of partials above them is fixed too. Random leaves
// only, which GPU workers can generate; the aggregates run on the CPU worker.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "tessera/kernels/cuda_device.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;

namespace {

constexpr int kRuns = 20;
constexpr std::uint64_t kSeed = 4242;
const Shape kShape{1000, 1000};

struct Expression {
  std::string name;
  std::function<Array(const Array&)> make;
};

const std::vector<Expression>& expressions() {
  static const std::vector<Expression> all = {
      {"x.sum()", [](const Array& x) { return x.sum(); }},
      {"x.mean()", [](const Array& x) { return x.mean(); }},
      {"x.var()", [](const Array& x) { return x.var(); }},
      {"(x + x.T).mean(0).std()", [](const Array& x) { return (x + x.T()).mean(0).std(); }},
  };
  return all;
}

// Regular, ragged, and tall-and-narrow chunks.
const std::vector<Shape>& chunkings() {
  static const std::vector<Shape> all = {{250, 250}, {300, 170}, {1000, 128}};
  return all;
}

std::uint64_t bits_of(double x) {
  std::uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}

struct ClusterRuns {
  // The bits of every run, per (chunking, expression).
  std::map<std::string, std::vector<std::uint64_t>> bits;
  std::uint64_t gpu_tasks = 0;  // tasks the GPU workers finished
};

ClusterRuns run_on(const ClusterOptions& options) {
  LocalCluster cluster(options);
  Client client(cluster);
  ClusterRuns runs;
  for (const Shape& chunks : chunkings()) {
    const Array x = random::random(kShape, chunks, kSeed);
    for (const Expression& e : expressions()) {
      const std::string key =
          e.name + " with chunks " + std::to_string(chunks[0]) + "x" + std::to_string(chunks[1]);
      const Array y = e.make(x);
      for (int run = 0; run < kRuns; ++run) {
        runs.bits[key].push_back(bits_of(y.compute().item<double>()));
      }
    }
  }
  for (const WorkerInfo& worker : cluster.executor()->workers())
    if (worker.backend == Backend::cuda) runs.gpu_tasks += worker.finished;
  return runs;
}

}  // namespace

TEST(BitsAcrossBackends, SameBitsOnGpuCpuAndMixedClusters) {
  if (kernels::cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device on this machine";
  // Chunk tasks on the GPU (the one single-threaded CPU worker runs the aggregates, and may take
  // a chunk now and then); CPU workers only; both.
  const ClusterRuns gpu = run_on(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 1, .dashboard_address = ""});
  const ClusterRuns cpu = run_on(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  const ClusterRuns mixed = run_on(
      {.n_workers = 2, .threads_per_worker = 2, .n_gpu_workers = 1, .dashboard_address = ""});
  EXPECT_GT(gpu.gpu_tasks, 0u)
      << "the GPU worker ran no task: nothing was compared across backends";
  const std::pair<const char*, const ClusterRuns*> clusters[] = {
      {"gpu", &gpu}, {"cpu", &cpu}, {"mixed", &mixed}};
  for (const auto& [key, reference] : cpu.bits) {
    const std::uint64_t want = reference.front();
    for (const auto& [name, runs] : clusters) {
      const std::vector<std::uint64_t>& got = runs->bits.at(key);
      for (std::size_t run = 0; run < got.size(); ++run) {
        double a, b;
        std::memcpy(&a, &got[run], sizeof a);
        std::memcpy(&b, &want, sizeof b);
        EXPECT_EQ(got[run], want) << key << ": " << name << " cluster, run " << run << " gave "
                                  << std::hexfloat << a << " against " << b
                                  << " (first run on the CPU cluster)";
      }
    }
  }
}
