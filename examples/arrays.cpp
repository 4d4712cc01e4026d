// The seed's dask.array examples in C++: the same expressions, the same meaning.
#include <chrono>
#include <cstdio>
#include <iostream>

#include "tessera/tessera.hpp"

namespace ts = tessera;

template <class F>
double timed(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int main() {
  ts::Client client;
  std::cout << client.cluster();

  // x = da.random.random((10000, 10000), chunks=(1000, 1000)); (x + x.T).mean()
  auto x = ts::random::random({10000, 10000}, {1000, 1000});
  std::cout << x << "\n";
  double mean = 0;
  double seconds = timed([&] { mean = (x + x.T()).mean().compute().item<double>(); });
  std::printf("(x + x.T).mean() = %.8f in %.3f s\n", mean, seconds);

  // x = da.random.random((20000, 20000), chunks=(2000, 2000)); (x + x.T).mean(axis=0).std()
  auto y = ts::random::random({20000, 20000}, {2000, 2000});
  double spread = 0;
  seconds = timed([&] { spread = (y + y.T()).mean(0).std().compute().item<double>(); });
  std::printf("(y + y.T).mean(axis=0).std() = %.8g in %.3f s\n", spread, seconds);

  // da.random.random(20, chunks=5).sum(), and its task graph
  auto z = ts::random::random({20}, 5);
  auto total = z.sum();
  std::printf("random(20, chunks=5).sum() = %.6f (%zu tasks)\n", total.compute().item<double>(),
              total.task_count());
  ts::visualize(total, "array_sum.svg");
  std::printf("task graph written to array_sum.svg\n");
  return 0;
}
