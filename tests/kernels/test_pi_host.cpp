// host::pi_hits and its vector kernels: exact agreement with the scalar reference for every
// instruction set the CPU has, independence from chunking, and statistical accuracy.
#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>

#include "pi_hits_simd.hpp"
#include "tessera/kernels/pi_thread_work.hpp"

namespace tessera::kernels {
namespace {

struct RangeCase {
  std::uint64_t seed, first, n;
};

// Ranges that start and end mid-block, cross 65536-block segments (131072 samples), are shorter
// than a vector step, or sit past 2^49 where the counter's word y is nonzero.
constexpr RangeCase kRanges[] = {
    {1, 0, 1},
    {1, 1, 1},
    {2, 1, 2},
    {3, 0, 64},
    {3, 1, 63},
    {4, 131071, 3},
    {5, 131072 - 101, 1001},
    {6, 12345, 300001},
    {0xffffffff00000000ull, (1ull << 49) - 77, 100003},
    {0xdeadbeefcafef00dull, 0xffffffffull * 131072 - 11, 262145},
};

TEST(PiSimd, EveryLevelMatchesScalarReference) {
  using detail::SimdLevel;
  for (const SimdLevel level : {SimdLevel::kGeneric, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (!detail::simd_level_supported(level)) continue;
    for (const RangeCase c : kRanges) {
      EXPECT_EQ(detail::count_pi_hits_simd(c.seed, {c.first, c.first + c.n}, level),
                count_pi_hits_scalar(c.seed, c.first, c.n))
          << "level " << static_cast<int>(level) << " seed " << c.seed << " first " << c.first
          << " n " << c.n;
    }
  }
}

TEST(PiHost, MatchesScalarReference) {
  for (const RangeCase c : kRanges) {
    EXPECT_EQ(host::pi_hits({}, c.seed, c.first, c.n), count_pi_hits_scalar(c.seed, c.first, c.n))
        << "seed " << c.seed << " first " << c.first << " n " << c.n;
  }
}

TEST(PiHost, IndependentOfChunking) {
  const std::uint64_t seed = 77;
  const std::uint64_t first = 1001;
  const std::uint64_t n = (std::uint64_t{1} << 23) + 12345;  // several internal work blocks
  const std::uint64_t whole = host::pi_hits({}, seed, first, n);
  for (const std::uint64_t chunk : {1ull, 7ull, 131071ull, 999999ull, (1ull << 21) + 1}) {
    std::uint64_t sum = 0;
    const std::uint64_t limit = chunk == 1 ? 20000 : n;  // single samples: a prefix is enough
    for (std::uint64_t s = first; s < first + limit; s += chunk) {
      sum += host::pi_hits({}, seed, s, std::min(chunk, first + limit - s));
    }
    EXPECT_EQ(sum, chunk == 1 ? host::pi_hits({}, seed, first, limit) : whole) << "chunk " << chunk;
  }
}

TEST(PiHost, EmptyAndOverflowingRanges) {
  EXPECT_EQ(host::pi_hits({}, 1, 12345, 0), 0u);
  EXPECT_THROW(host::pi_hits({}, 1, ~std::uint64_t{0} - 5, 7), std::out_of_range);
  EXPECT_EQ(host::pi_hits({}, 1, ~std::uint64_t{0} - 5, 5),
            count_pi_hits_scalar(1, ~std::uint64_t{0} - 5, 5));
}

TEST(PiHost, EstimateWithinSixSigma) {
  // Each sample hits independently with p = pi/4 (up to the 2^-32 grid, far below the tolerance),
  // so hits ~ Binomial(n, p) with variance n p (1 - p), and pi_hat = 4 hits / n has standard
  // deviation sigma = 4 sqrt(p (1 - p) / n). |pi_hat - pi| < 6 sigma fails with probability
  // about 2e-9 per seed for a correct generator, while any layout or bias bug shifts pi_hat by far
  // more (for n = 2^24, sigma is 4.1e-4).
  const std::uint64_t n = std::uint64_t{1} << 24;
  const double p = std::numbers::pi / 4;
  const double sigma = 4 * std::sqrt(p * (1 - p) / static_cast<double>(n));
  for (const std::uint64_t seed : {0ull, 1ull, 2024ull, 0xffffffff00000000ull}) {
    const double pi_hat = 4.0 * static_cast<double>(host::pi_hits({}, seed, 0, n)) / n;
    EXPECT_LT(std::abs(pi_hat - std::numbers::pi), 6 * sigma) << "seed " << seed;
  }
}

TEST(PiHost, KokkosInitializationIsIdempotent) {
  ensure_kokkos_initialized();
  ensure_kokkos_initialized();
  EXPECT_EQ(host::pi_hits({}, 3, 5, 1000), count_pi_hits_scalar(3, 5, 1000));
}

}  // namespace
}  // namespace tessera::kernels
