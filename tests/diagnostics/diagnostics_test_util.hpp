#pragma once
// Small helpers the diagnostics tests share: a quiet two-worker cluster, napping tasks, and
// the lines a progress bar drew.

#include <chrono>
#include <regex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tessera/tessera.hpp"

namespace tessera::test {

/// Two single-threaded CPU workers, no dashboard.
inline ClusterOptions quiet_cluster(std::string name = "") {
  return {.n_workers = 2,
          .threads_per_worker = 1,
          .n_gpu_workers = 0,
          .dashboard_address = "",
          .name = std::move(name)};
}

/// `n` independent tasks of group `group` that each sleep `ms` milliseconds.
inline std::vector<Delayed<int>> naps(int n, int ms, const char* group = "nap") {
  std::vector<Delayed<int>> tasks;
  for (int i = 0; i < n; ++i)
    tasks.push_back(delayed(
        [ms](int x) {
          std::this_thread::sleep_for(std::chrono::milliseconds(ms));
          return x;
        },
        group)(i));
  return tasks;
}

/// One drawn bar: percent, whether it said Failed.
struct BarLine {
  int percent = 0;
  bool failed = false;
  std::string text;
};

/// The bars in `out`, split into sessions at each newline.
inline std::vector<std::vector<BarLine>> bar_sessions(const std::string& out) {
  static const std::regex line(R"(^\[(#*) *\] \| (\d+)% (Completed|Failed) \| +[0-9a-z. ]+s$)");
  std::vector<std::vector<BarLine>> sessions(1);
  std::string piece;
  auto flush = [&] {
    if (piece.empty()) return;
    std::smatch m;
    BarLine bar{-1, false, piece};
    if (std::regex_match(piece, m, line)) bar = {std::stoi(m[2]), m[3] == "Failed", piece};
    sessions.back().push_back(bar);
    piece.clear();
  };
  for (char c : out) {
    if (c == '\r') {
      flush();
    } else if (c == '\n') {
      flush();
      sessions.emplace_back();
    } else {
      piece += c;
    }
  }
  flush();
  if (sessions.back().empty()) sessions.pop_back();
  return sessions;
}

}  // namespace tessera::test
