#include <cstdio>
#include <string>

#include <tessera/tessera.hpp>

int triple(int x) {
  return 3 * x;
}

int main() {
  // A loopback dashboard on a free port where the dashboard is built: the installed HTTP module
  // must load for its link.
  const bool dashboard = tessera::build_info().dashboard;
  tessera::LocalCluster cluster({.n_workers = 2,
                                 .threads_per_worker = 1,
                                 .n_gpu_workers = 0,
                                 .dashboard_address = dashboard ? "127.0.0.1:0" : ""});
  tessera::Client client(cluster);
  const std::string link = cluster.dashboard_link();
  std::printf("dashboard at %s\n", link.c_str());
  // Task keys name the function, here as in Tessera's own programs (dladdr needs the program's
  // symbols exported, which the package's link options do).
  const auto task = tessera::delayed(triple)(14);
  const bool named = task.key().starts_with("triple-");
  std::printf("task key %s\n", task.key().c_str());
  int value = task.compute();
  // A fused array program: the kernels and Kokkos are linked through the package.
  const double mean = (tessera::ones({100, 100}, {30, 30}) * 2.0).mean().compute().item<double>();
  std::printf("outside project computed %d and %g\n", value, mean);
  return value == 42 && mean == 2.0 && named &&
                 (!dashboard || link.starts_with("http://127.0.0.1:"))
             ? 0
             : 1;
}
