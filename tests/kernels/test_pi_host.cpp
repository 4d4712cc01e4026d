// host::pi_hits's own parts: its vector kernels in exact agreement with the scalar reference for
// every instruction set the CPU has, and independence from chunking. What every backend must do
// is in test_backend_pi_hits.cpp.
#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "pi_ranges.hpp"
#include "tessera/kernels/host/simd.hpp"
#include "tessera/kernels/pi_thread_work.hpp"

namespace tessera::kernels {
namespace {

TEST(PiSimd, EveryLevelMatchesScalarReference) {
  using host::SimdLevel;
  for (const SimdLevel level : {SimdLevel::generic, SimdLevel::avx2, SimdLevel::avx512}) {
    if (!host::simd_level_supported(level)) continue;
    for (const testing::RangeCase c : testing::kRanges) {
      EXPECT_EQ(host::pi_hits_at(c.seed, {c.first, c.first + c.n}, level),
                count_pi_hits_scalar(c.seed, c.first, c.n))
          << "level " << static_cast<int>(level) << " seed " << c.seed << " first " << c.first
          << " n " << c.n;
    }
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

TEST(PiHost, KokkosInitializationIsIdempotent) {
  ensure_kokkos_initialized();
  ensure_kokkos_initialized();
  EXPECT_EQ(host::pi_hits({}, 3, 5, 1000), count_pi_hits_scalar(3, 5, 1000));
}

}  // namespace
}  // namespace tessera::kernels
