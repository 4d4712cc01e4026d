// Monte Carlo pi throughput: samples per second (items_per_second) of host::pi_hits on one
// and on two concurrent threads, and of cuda::pi_hits when a GPU is present.
#include <benchmark/benchmark.h>

#include <cstdint>

#include "tessera/kernels/cuda/pi_hits.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace {

namespace tk = tessera::kernels;

constexpr std::uint64_t kSeed = 0x5eed;

// Each iteration counts a fresh range (per thread), so no result could be reused.
void bm_pi_host(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  tk::ensure_kokkos_initialized();
  std::uint64_t first = static_cast<std::uint64_t>(state.thread_index()) << 40;
  for (auto _ : state) {
    benchmark::DoNotOptimize(tk::host::pi_hits({}, kSeed, first, n));
    first += n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(bm_pi_host)->Arg(1 << 26)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bm_pi_host)->Arg(1 << 26)->Threads(2)->Unit(benchmark::kMillisecond)->UseRealTime();

void bm_pi_cuda(benchmark::State& state) {
  if (tk::cuda_device_count() == 0) {
    state.SkipWithError("no CUDA device");
    return;
  }
  const auto n = static_cast<std::uint64_t>(state.range(0));
  void* stream = tk::cuda_create_stream(0);
  benchmark::DoNotOptimize(tk::cuda::pi_hits({0, stream}, kSeed, 0, 1 << 20));  // warm up
  std::uint64_t first = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(tk::cuda::pi_hits({0, stream}, kSeed, first, n));
    first += n;
  }
  tk::cuda_destroy_stream(0, stream);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(bm_pi_cuda)
    ->Arg(std::int64_t{1} << 30)
    ->Arg(std::int64_t{1} << 34)
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
