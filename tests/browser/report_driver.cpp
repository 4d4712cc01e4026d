// Writes a performance report of a small mixed workload (delayed tasks, an array reduction,
// one failing task) to argv[1], for the browser to open.
#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <thread>

#include "tessera/diagnostics/performance_report.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: report_driver <report.html>\n");
    return 2;
  }
  ts::LocalCluster cluster({.n_workers = 2,
                            .threads_per_worker = 2,
                            .n_gpu_workers = 0,
                            .dashboard_address = "",
                            .name = "report-driver"});
  ts::Client client(cluster);
  {
    auto report = ts::performance_report(argv[1]);
    std::vector<ts::Delayed<int>> parts;
    for (int i = 0; i < 24; ++i)
      parts.push_back(ts::delayed(
          [](int x) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5 + 3 * (x % 5)));
            return x;
          },
          "load")(i));
    ts::delayed([](const std::vector<int>& v) { return int(v.size()); }, "combine")(parts)
        .compute();
    auto x = ts::random::random({2000, 2000}, {500, 500});
    (x + x.T()).mean(0).std().compute();
    try {
      ts::delayed([]() -> int { throw std::runtime_error("on purpose"); }, "fails")().compute();
    } catch (const ts::TaskError&) {
      // The report shows it; the page must still load without errors.
    }
  }
  std::printf("%s\n", argv[1]);
  return 0;
}
