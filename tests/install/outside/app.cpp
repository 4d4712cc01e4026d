#include <cstdio>

#include <tessera/tessera.hpp>

int triple(int x) {
  return 3 * x;
}

int main() {
  tessera::Client client({.n_workers = 2, .threads_per_worker = 1, .dashboard_address = ""});
  int value = tessera::delayed(triple)(14).compute();
  std::printf("outside project computed %d\n", value);
  return value == 42 ? 0 : 1;
}
