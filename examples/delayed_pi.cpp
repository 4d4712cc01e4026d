// The seed's Dask example in C++: five calculate_pi calls as delayed tasks on a local cluster.
#include <cstdio>
#include <iostream>

#include "calculate_pi.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

// A named function so the task graph and errors say "calculate_pi".
double calculate_pi(double size_in_bytes) {
  return examples::calculate_pi(size_in_bytes);
}

int main() {
  ts::LocalCluster cluster({.n_workers = 4, .threads_per_worker = 2, .memory_limit = "auto"});
  ts::Client client(cluster);
  std::cout << cluster;

  auto d = ts::delayed(calculate_pi)(10000.0);
  double pi = 0;
  std::printf("one task: %.3f s\n", examples::seconds_of([&] { pi = d.compute(); }));

  std::vector<ts::Delayed<double>> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(ts::delayed(calculate_pi)(1e8 * (i + 1)));
  std::vector<double> all;
  const double seconds = examples::seconds_of([&] { all = ts::compute(runs); });
  std::printf("five tasks in parallel: %.3f s\n", seconds);
  ts::visualize(runs, "delayed_pi.svg");
  std::printf("task graph written to delayed_pi.svg\n");

  client.close();
  cluster.close();
  return 0;
}
