// Fused array kernels: elements per second (items_per_second) of host::reduce / host::evaluate on
// x + x.T, x a 10000 x 10000 uniform array (seed 42), over a 1000 x 1000 box; and the Philox
// generation bound, host::generate_uniform's doubles per second. x + x.T needs two uniform doubles
// per element, so each array case also reports generation_fraction = elements/s * 2 / doubles/s,
// with doubles/s measured in the same process just before it. The GPU cases run when a device is
// present.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <vector>

#include "tessera/kernels/cuda/generate.hpp"
#include "tessera/kernels/cuda/memory.hpp"
#include "tessera/kernels/cuda/reduce.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace {

namespace tk = tessera::kernels;

constexpr std::int64_t kSide = 10000;  // x is kSide x kSide
constexpr std::int64_t kBox = 1000;    // the box is kBox x kBox
constexpr std::uint64_t kSeed = 42;

// x + x.T, or x alone.
tk::Program x_plus_xt(bool transpose_term = true) {
  tk::Program p;
  p.ndim = 2;
  tk::Instruction x;
  x.op = tk::Op::load_uniform;
  x.seed = kSeed;
  x.b = 1;
  x.map.stride[0] = kSide;
  x.map.stride[1] = 1;
  p.code[p.size++] = x;
  if (transpose_term) {
    tk::Instruction xt = x;
    xt.map.stride[0] = 1;
    xt.map.stride[1] = kSide;
    p.code[p.size++] = xt;
    p.code[p.size].op = tk::Op::add;
    ++p.size;
  }
  return p;
}

// An interior box, away from the origin and not tile-aligned.
tk::Box box() {
  tk::Box b;
  b.lo[0] = 3001;
  b.hi[0] = b.lo[0] + kBox;
  b.lo[1] = 5003;
  b.hi[1] = b.lo[1] + kBox;
  return b;
}

using Clock = std::chrono::steady_clock;

// host::generate_uniform's doubles per second on a cache-resident buffer (best of several runs).
double generation_rate() {
  constexpr std::uint64_t n = std::uint64_t{1} << 16;
  std::vector<double> out(n);
  double best = 0;
  std::uint64_t first = 0;
  for (int run = 0; run < 20; ++run) {
    const auto start = Clock::now();
    for (int k = 0; k < 16; ++k, first += n)
      tk::host::generate_uniform({}, kSeed, first, n, out.data());
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::max(best, 16.0 * n / seconds);
  }
  benchmark::DoNotOptimize(out.data());
  return best;
}

// Runs `body` per iteration and reports elements/s and the fraction of the generation bound.
template <class Body>
void run_array_case(benchmark::State& state, std::int64_t doubles_per_element, Body body) {
  tk::ensure_kokkos_initialized();
  const double rate = generation_rate();
  const auto start = Clock::now();
  for (auto _ : state) body();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double elements = static_cast<double>(state.iterations()) * kBox * kBox;
  state.SetItemsProcessed(static_cast<std::int64_t>(elements));
  state.counters["generation_doubles_per_second"] = rate;
  state.counters["generation_fraction"] = elements / seconds * doubles_per_element / rate;
}

void bm_generate_uniform_host(benchmark::State& state) {
  const auto n = static_cast<std::uint64_t>(state.range(0));
  tk::ensure_kokkos_initialized();
  std::vector<double> out(n);
  std::uint64_t first = 0;
  for (auto _ : state) {
    tk::host::generate_uniform({}, kSeed, first, n, out.data());
    benchmark::DoNotOptimize(out.data());
    first += n;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
// 2^16 doubles stay in L2 (the compute bound); 2^24 also pay the memory writes.
BENCHMARK(bm_generate_uniform_host)->Arg(1 << 16)->Arg(1 << 24)->UseRealTime();

void bm_reduce_sum_x_plus_xt(benchmark::State& state) {
  const tk::Program p = x_plus_xt();
  const tk::Box b = box();
  tk::Partial out;
  run_array_case(state, 2, [&] {
    tk::host::reduce({}, p, b, nullptr, tk::ReduceOp::sum, &out);
    benchmark::DoNotOptimize(out);
  });
}
BENCHMARK(bm_reduce_sum_x_plus_xt)->Unit(benchmark::kMillisecond)->UseRealTime();

void bm_reduce_moments_axis0_x_plus_xt(benchmark::State& state) {
  const tk::Program p = x_plus_xt();
  const tk::Box b = box();
  const bool axis0[tk::kMaxDims] = {true, false};
  std::vector<tk::Partial> out(kBox);
  run_array_case(state, 2, [&] {
    tk::host::reduce({}, p, b, axis0, tk::ReduceOp::moments, out.data());
    benchmark::DoNotOptimize(out.data());
  });
}
BENCHMARK(bm_reduce_moments_axis0_x_plus_xt)->Unit(benchmark::kMillisecond)->UseRealTime();

void bm_reduce_moments_x_plus_xt(benchmark::State& state) {
  const tk::Program p = x_plus_xt();
  const tk::Box b = box();
  tk::Partial out;
  run_array_case(state, 2, [&] {
    tk::host::reduce({}, p, b, nullptr, tk::ReduceOp::moments, &out);
    benchmark::DoNotOptimize(out);
  });
}
BENCHMARK(bm_reduce_moments_x_plus_xt)->Unit(benchmark::kMillisecond)->UseRealTime();

void bm_evaluate_x_plus_xt(benchmark::State& state) {
  const tk::Program p = x_plus_xt();
  const tk::Box b = box();
  std::vector<double> out(kBox * kBox);
  run_array_case(state, 2, [&] {
    tk::host::evaluate({}, p, b, tk::DType::float64, out.data());
    benchmark::DoNotOptimize(out.data());
  });
}
BENCHMARK(bm_evaluate_x_plus_xt)->Unit(benchmark::kMillisecond)->UseRealTime();

void bm_reduce_sum_x(benchmark::State& state) {
  const tk::Program p = x_plus_xt(false);
  const tk::Box b = box();
  tk::Partial out;
  run_array_case(state, 1, [&] {
    tk::host::reduce({}, p, b, nullptr, tk::ReduceOp::sum, &out);
    benchmark::DoNotOptimize(out);
  });
}
BENCHMARK(bm_reduce_sum_x)->Unit(benchmark::kMillisecond)->UseRealTime();

// GPU: the same cases on device 0, with cuda::generate_uniform's rate as the bound.
bool skip_without_gpu(benchmark::State& state) {
  if (tk::cuda_device_count() > 0) return false;
  state.SkipWithError("no CUDA device");
  return true;
}

void bm_generate_uniform_cuda(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  const auto n = static_cast<std::uint64_t>(state.range(0));
  void* stream = tk::cuda_create_stream(0);
  double* out = static_cast<double*>(tk::cuda::allocate({0}, n * sizeof(double)));
  std::uint64_t first = 0;
  for (auto _ : state) {
    tk::cuda::generate_uniform({0, stream}, kSeed, first, n, out);
    first += n;
  }
  tk::cuda::release({0}, out);
  tk::cuda_destroy_stream(0, stream);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * n));
}
BENCHMARK(bm_generate_uniform_cuda)->Arg(1 << 28)->Unit(benchmark::kMillisecond)->UseRealTime();

void bm_reduce_cuda(benchmark::State& state) {
  if (skip_without_gpu(state)) return;
  // A box of 10000 x 10000 (all of x) so the GPU has enough work; axis 0 reduced when range(0).
  const tk::Program p = x_plus_xt();
  tk::Box b;
  b.hi[0] = b.hi[1] = kSide;
  const bool axis0[tk::kMaxDims] = {true, false};
  const bool* axes = state.range(0) ? axis0 : nullptr;
  const tk::ReduceOp op = state.range(0) ? tk::ReduceOp::moments : tk::ReduceOp::sum;
  std::vector<tk::Partial> out(kSide);
  void* stream = tk::cuda_create_stream(0);
  tk::cuda::reduce({0, stream}, p, b, axes, op, out.data());  // warm up
  for (auto _ : state) tk::cuda::reduce({0, stream}, p, b, axes, op, out.data());
  tk::cuda_destroy_stream(0, stream);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kSide * kSide));
}
BENCHMARK(bm_reduce_cuda)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
