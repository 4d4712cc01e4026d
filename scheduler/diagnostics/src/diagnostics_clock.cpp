// now_seconds(): wall-clock time for diagnostics records. The scheduler reads it twice per task
// while anyone observes, so it must be cheap: clock_gettime costs ~25 ns on the machines we
// measured, the x86 time-stamp counter ~10 ns. Where the kernel itself keeps time with the TSC
// (so it is invariant and synchronized across cores), times are the TSC scaled by a rate measured
// once against CLOCK_REALTIME, re-anchored to CLOCK_REALTIME by each thread every quarter second
// (following NTP adjustments), and never going backwards on a thread.
#include <time.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <string>

#include "tessera/diagnostics/bus.hpp"

#if defined(__x86_64__)
#include <x86intrin.h>
#define TESSERA_HAVE_TSC 1
#else
#define TESSERA_HAVE_TSC 0
#endif

namespace tessera::diagnostics {
namespace {

double realtime() {
  timespec ts{};
  clock_gettime(CLOCK_REALTIME, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

#if TESSERA_HAVE_TSC

bool kernel_uses_tsc() {
  std::ifstream in("/sys/devices/system/clocksource/clocksource0/current_clocksource");
  std::string source;
  return in >> source && source == "tsc";
}

constexpr double kCalibrationSeconds = 0.05;  // rate measured over at least this long
constexpr double kAnchorSeconds = 0.25;       // each thread re-reads CLOCK_REALTIME this often

// Seconds per TSC tick for the process, 0 until measured.
std::atomic<double> seconds_per_tick{0};

struct Calibration {  // the first reading, shared: whoever comes 50 ms later measures the rate
  std::uint64_t tsc;
  double time;
};
const Calibration& calibration_start() {
  static const Calibration start{__rdtsc(), realtime()};
  return start;
}

struct ThreadClock {
  std::uint64_t anchor_tsc = 0;
  double anchor_time = 0;
  std::uint64_t next_anchor = 0;  // TSC value at which to re-anchor
  double last = 0;                // never return less than this on this thread
};
thread_local ThreadClock thread_clock;

double tsc_now() {
  ThreadClock& c = thread_clock;
  const std::uint64_t tsc = __rdtsc();
  const double rate = seconds_per_tick.load(std::memory_order_relaxed);
  double now;
  if (rate > 0 && tsc < c.next_anchor) {
    now = c.anchor_time + static_cast<double>(tsc - c.anchor_tsc) * rate;
  } else {
    now = realtime();
    const std::uint64_t anchor = __rdtsc();
    if (rate == 0) {
      const Calibration& start = calibration_start();
      if (now - start.time >= kCalibrationSeconds && anchor > start.tsc)
        seconds_per_tick.store((now - start.time) / static_cast<double>(anchor - start.tsc),
                               std::memory_order_relaxed);
    }
    const double measured = seconds_per_tick.load(std::memory_order_relaxed);
    c.anchor_tsc = anchor;
    c.anchor_time = now;
    c.next_anchor =
        measured > 0 ? anchor + static_cast<std::uint64_t>(kAnchorSeconds / measured) : 0;
  }
  if (now < c.last) now = c.last;
  c.last = now;
  return now;
}

#endif

}  // namespace

double now_seconds() {
#if TESSERA_HAVE_TSC
  static const bool use_tsc = kernel_uses_tsc();
  if (use_tsc) return tsc_now();
#endif
  return realtime();
}

}  // namespace tessera::diagnostics
