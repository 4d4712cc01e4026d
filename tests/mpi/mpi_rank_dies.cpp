// A rank killed in the middle of a compute (SIGKILL from inside a task on rank 1): run by
// expect_all_ranks_end.sh, which demands that every rank ends, with a non-zero exit, within 30 s.
// The other ranks are then waiting for the dead rank's values; nothing but the launcher can
// end them, and it must.

#include <csignal>
#include <vector>

#include "tessera/mpi_cluster.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

namespace {
int this_rank = 0;
}

int main() {
  ts::MPICluster cluster({.n_workers = 1, .threads_per_worker = 1, .dashboard_address = ""});
  ts::Client client(cluster);
  this_rank = cluster.rank();
  auto step = ts::delayed(
      [](int i) {
        if (this_rank == 1) std::raise(SIGKILL);
        return i;
      },
      "step");
  auto add = ts::delayed([](int a, int b) { return a + b; }, "add");
  std::vector<ts::Delayed<int>> parts;
  for (int i = 0; i < 8; ++i) parts.push_back(add(step(2 * i), step(2 * i + 1)));
  ts::compute(parts);
  return 0;  // not reached on any rank when there are two or more
}
