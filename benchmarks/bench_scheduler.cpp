// Scheduler overhead: graph building plus execution of no-op delayed tasks, on a 2-worker
// cluster (one thread each), the shapes benchmarks/compare_dask.py runs in Dask too.
#include <benchmark/benchmark.h>

#include "tessera/tessera.hpp"

namespace ts = tessera;

int noop(int x) {
  return x;
}
long add_all(const std::vector<int>& values) {
  long total = 0;
  for (int v : values) total += v;
  return total;
}

namespace {

ts::LocalCluster& cluster() {
  static ts::LocalCluster instance(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  return instance;
}

void independent(benchmark::State& state) {
  ts::Client client(cluster());
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::vector<ts::Delayed<int>> tasks;
    tasks.reserve(n);
    for (int i = 0; i < n; ++i) tasks.push_back(ts::delayed(noop, "noop")(i));
    benchmark::DoNotOptimize(ts::compute(tasks));
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void chain(benchmark::State& state) {
  ts::Client client(cluster());
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    ts::Delayed<int> value = ts::delayed(noop, "noop")(0);
    for (int i = 1; i < n; ++i) value = ts::delayed(noop, "noop")(value);
    benchmark::DoNotOptimize(value.compute());
  }
  state.SetItemsProcessed(state.iterations() * n);
}

void fan_in(benchmark::State& state) {
  ts::Client client(cluster());
  const int n = static_cast<int>(state.range(0));
  for (auto _ : state) {
    std::vector<ts::Delayed<int>> parts;
    parts.reserve(n);
    for (int i = 0; i < n; ++i) parts.push_back(ts::delayed(noop, "noop")(i));
    benchmark::DoNotOptimize(ts::delayed(add_all, "sum")(parts).compute());
  }
  state.SetItemsProcessed(state.iterations() * (n + 1));
}

}  // namespace

BENCHMARK(independent)->Arg(100'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(chain)->Arg(10'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(fan_in)->Arg(10'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_MAIN();
