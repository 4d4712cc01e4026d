#include "tessera/progress.hpp"

#include <algorithm>
#include <chrono>
#include <iostream>
#include <thread>

#include "tessera/diagnostics/progress_line.hpp"

namespace tessera {

NDArray progress(const Array& array, diagnostics::ProgressBarOptions options) {
  options.this_thread_only = true;  // other threads' computations are not this array's
  diagnostics::ProgressBar bar(options);
  return array.compute();
}

namespace detail {

void wait_with_progress(std::size_t total,
                        const std::function<std::pair<std::size_t, std::size_t>()>& count,
                        const diagnostics::ProgressBarOptions& options) {
  using Clock = std::chrono::steady_clock;
  std::ostream& out = options.out ? *options.out : std::cerr;
  const auto start = Clock::now();
  const auto dt = std::chrono::duration<double>(std::max(options.dt, 0.001));
  auto elapsed = [&] { return std::chrono::duration<double>(Clock::now() - start).count(); };
  auto draw = [&](std::size_t finished, bool failed) {
    const double fraction = total ? double(finished) / double(total) : 1.0;
    out << '\r' << diagnostics::format_progress_line(fraction, elapsed(), options.width, failed)
        << std::flush;
  };
  // Completion is checked more often than the bar redraws, so that returning waits at most a
  // few milliseconds beyond the last future.
  const auto poll = std::min<std::chrono::duration<double>>(dt, std::chrono::milliseconds(5));
  auto next_draw = start;
  for (;;) {
    auto [finished, failed] = count();
    if (finished >= total) {
      if (elapsed() >= options.minimum) {
        draw(finished - failed, failed > 0);
        out << '\n' << std::flush;
      }
      return;
    }
    if (Clock::now() >= next_draw && elapsed() >= options.minimum) {
      draw(finished, false);
      next_draw = Clock::now() + std::chrono::duration_cast<Clock::duration>(dt);
    }
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace detail
}  // namespace tessera
