// Starts a LocalCluster with its dashboard on a free loopback port, prints the link on one
// line, and keeps the workers busy until stdin closes or the time limit (argv[1] seconds,
// default 120) passes, so that a browser sees a live dashboard.
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>

#include "tessera/tessera.hpp"

namespace ts = tessera;

int main(int argc, char** argv) {
  const double limit = argc > 1 ? std::stod(argv[1]) : 120;
  // Limits small enough that the persisted `base` below spills: the task stream then shows
  // disk-write and disk-read bars. Held results exceed them on purpose (the memory panel shows
  // it), so pausing and process-memory spilling are off.
  ts::LocalCluster cluster({.n_workers = 2,
                            .threads_per_worker = 2,
                            .memory_limit = "4MiB",
                            .n_gpu_workers = 0,
                            .dashboard_address = "127.0.0.1:0",
                            .name = "browser-test",
                            .memory_pause = 2.0,
                            .memory_spill = 0});
  ts::Client client(cluster);
  std::printf("%s\n", cluster.dashboard_link().c_str());
  std::fflush(stdout);

  // The parent closing our stdin is the signal to stop; the reader stays blocked otherwise, so
  // it is detached rather than joined.
  static std::atomic<bool> closed{false};
  std::thread([] {
    char c;
    while (std::cin.get(c)) {
    }
    closed = true;
  }).detach();

  // Results held by futures stay in worker memory: the memory panel has something to show.
  std::vector<int> blocks(8);
  for (int i = 0; i < 8; ++i) blocks[i] = i;
  auto held =
      client.map([](int) { return ts::NDArray(ts::Shape{1 << 18}, ts::DType::float64); }, blocks);
  auto base = ts::random::random({1000, 1000}, {250, 250}).persist();
  const auto stop = std::chrono::steady_clock::now() + std::chrono::duration<double>(limit);
  for (int round = 0; !closed && std::chrono::steady_clock::now() < stop; ++round) {
    std::vector<ts::Delayed<int>> parts;
    for (int i = 0; i < 16; ++i)
      parts.push_back(ts::delayed(
          [](int x) {
            std::this_thread::sleep_for(std::chrono::milliseconds(20 + 10 * (x % 4)));
            return x;
          },
          "sleep")(i));
    ts::delayed([](const std::vector<int>& v) { return int(v.size()); }, "combine")(parts)
        .compute();
    auto x = ts::random::random({2000, 2000}, {500, 500}, std::uint64_t(round));
    (x + base.sum()).mean().compute();
  }
  client.close();
  cluster.close();
  return 0;
}
