#pragma once
// Monte Carlo π on the cluster: chunk tasks that draw Philox4x32-10 samples in registers and
// count hits (never storing samples), summed by one task.

#include <cstdint>
#include <string>

#include "tessera/executor.hpp"

namespace tessera {

/// Which workers draw the samples.
enum class PiDevice { automatic, cpu, gpu };

/// Parses "auto", "cpu" or "gpu"; throws std::invalid_argument naming anything else.
PiDevice parse_pi_device(const std::string& text);

struct PiOptions {
  std::uint64_t samples = 100'000'000;
  /// 0: enough chunks for every worker thread, at most 2^28 samples each. A run holds at most
  /// 2^24 chunks (one task each): more is an std::invalid_argument naming the values.
  std::uint64_t chunks = 0;
  PiDevice device = PiDevice::automatic;
  std::uint64_t seed = 0;
};

struct PiResult {
  double pi = 0;
  double abs_error = 0;
  std::uint64_t samples = 0;
  std::uint64_t hits = 0;
  std::uint64_t chunks = 0;
  double seconds = 0;
  double samples_per_second = 0;
  std::string device;  ///< "cpu", "gpu" or "cpu+gpu": the workers the chunks could run on
  int workers = 0;     ///< workers that could run chunks
};

/// Estimates π on `executor` (the current one by default). Sample j is the point
/// (u[2j], u[2j+1]) of cuRAND's Philox stream for `seed`, so the hit count depends on the seed
/// and sample count only — not on chunking, workers or device.
PiResult monte_carlo_pi(const PiOptions& options, Executor& executor);
PiResult monte_carlo_pi(const PiOptions& options);

}  // namespace tessera
