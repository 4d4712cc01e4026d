#pragma once
// The seed's serial baseline, in C++: Monte Carlo π from an array of random points, the way the
// NumPy version does it (materialize x and y, square, sum, compare, count).

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <numbers>
#include <random>
#include <vector>

namespace examples {

/// Estimates π from size_in_bytes / 16 random points held in memory (two doubles per point).
inline double calculate_pi(double size_in_bytes, bool verbose = true) {
  const auto points = static_cast<std::size_t>(size_in_bytes / 8 / 2);
  if (points == 0) return 0.0;
  std::vector<double> xy(2 * points);
  std::mt19937_64 engine(std::random_device{}());
  std::uniform_real_distribution<double> uniform(0.0, 1.0);
  for (double& v : xy) v = uniform(engine);
  std::size_t inside = 0;
  for (std::size_t i = 0; i < points; ++i)
    inside += xy[2 * i] * xy[2 * i] + xy[2 * i + 1] * xy[2 * i + 1] < 1.0;
  const double pi = 4.0 * static_cast<double>(inside) / static_cast<double>(points);
  if (verbose) {
    std::printf("\nfrom %g GB randomly chosen positions\n",
                static_cast<double>(xy.size() * sizeof(double)) / 1e9);
    std::printf("   pi estimate: %.10f\n", pi);
    std::printf("   pi error: %.10f\n\n", std::abs(pi - std::numbers::pi));
  }
  return pi;
}

/// Wall time of f() in seconds.
template <class F>
double seconds_of(F&& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace examples
