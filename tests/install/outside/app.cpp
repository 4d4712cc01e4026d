#include <cstdio>
#include <string>

#include <tessera/tessera.hpp>

int triple(int x) {
  return 3 * x;
}

int main() {
  // A loopback dashboard on a free port: the installed HTTP module must load for its link.
  tessera::LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 1, .dashboard_address = "127.0.0.1:0"});
  tessera::Client client(cluster);
  const std::string link = cluster.dashboard_link();
  std::printf("dashboard at %s\n", link.c_str());
  int value = tessera::delayed(triple)(14).compute();
  std::printf("outside project computed %d\n", value);
  return value == 42 && link.starts_with("http://127.0.0.1:") ? 0 : 1;
}
