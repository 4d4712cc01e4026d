// The exact pi hit test and the scalar counter, against a straightforward reference.
#include "tessera/kernels/pi_hits.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "tessera/kernels/pi_thread_work.hpp"

namespace tessera::kernels {
namespace {

// The definition itself: the midpoint ((a + 1/2) / 2^32, (b + 1/2) / 2^32) lies inside the unit
// circle iff (2a + 1)^2 + (2b + 1)^2 < 2^66, evaluated in 128-bit integers.
bool reference_hit(std::uint32_t a, std::uint32_t b) {
  using u128 = unsigned __int128;
  const u128 x = 2 * u128{a} + 1;
  const u128 y = 2 * u128{b} + 1;
  return x * x + y * y < (u128{1} << 66);
}

// Hits of samples [first, first + n), one sample at a time from the 32-bit stream.
std::uint64_t reference_count(std::uint64_t seed, std::uint64_t first, std::uint64_t n) {
  std::uint64_t hits = 0;
  for (std::uint64_t j = first; j < first + n; ++j) {
    hits += reference_hit(uint32_output(seed, 2 * j), uint32_output(seed, 2 * j + 1));
  }
  return hits;
}

// Largest b with (2a + 1)^2 + (2b + 1)^2 < 2^66, or -1 if none: the circle's edge at column a.
std::int64_t last_hit_row(std::uint32_t a) {
  const double x = a + 0.5;
  auto b = static_cast<std::int64_t>(std::sqrt(std::max(0.0, 0x1p64 - x * x)) - 0.5);
  b = std::clamp<std::int64_t>(b, -1, 0xffffffff);
  while (b >= 0 && !reference_hit(a, static_cast<std::uint32_t>(b))) --b;
  while (b < 0xffffffff && reference_hit(a, static_cast<std::uint32_t>(b + 1))) ++b;
  return b;
}

TEST(PiHits, CornersOfTheSquare) {
  EXPECT_TRUE(pi_sample_hit(0, 0));
  EXPECT_FALSE(pi_sample_hit(0xffffffffu, 0xffffffffu));
  // (1 - 2^-33, 2^-33): 1 - 2^-32 + 2^-65 < 1, inside.
  EXPECT_TRUE(pi_sample_hit(0xffffffffu, 0));
  EXPECT_TRUE(pi_sample_hit(0, 0xffffffffu));
  // (1 - 2^-33, 2^-16 + 2^-33): 1 - 2^-32 + 2^-32 + ... > 1, outside.
  EXPECT_FALSE(pi_sample_hit(0xffffffffu, 0x10000u));
  EXPECT_EQ(pi_sample_hit(0xffffffffu, 0x10000u), reference_hit(0xffffffffu, 0x10000u));
}

TEST(PiHits, MatchesReferenceOnTheCircleEdge) {
  // Points just inside and just outside the arc are where rounding would show.
  for (std::uint64_t a = 0; a <= 0xffffffffu; a += 0x1000193u) {
    const auto col = static_cast<std::uint32_t>(a);
    const std::int64_t edge = last_hit_row(col);
    for (std::int64_t b = edge - 2; b <= edge + 2; ++b) {
      if (b < 0 || b > 0xffffffff) continue;
      const auto row = static_cast<std::uint32_t>(b);
      EXPECT_EQ(pi_sample_hit(col, row), reference_hit(col, row)) << col << ", " << row;
      EXPECT_EQ(pi_sample_hit(row, col), reference_hit(row, col)) << row << ", " << col;
    }
  }
}

TEST(PiHits, MatchesReferenceOnRandomPoints) {
  for (std::uint64_t k = 0; k < 200000; ++k) {
    const std::uint32_t a = uint32_output(11, 2 * k);
    const std::uint32_t b = uint32_output(11, 2 * k + 1);
    ASSERT_EQ(pi_sample_hit(a, b), reference_hit(a, b)) << a << ", " << b;
  }
}

TEST(PiHits, BlockHoldsTwoConsecutiveSamples) {
  const std::uint64_t seed = 5;
  for (std::uint64_t block = 0; block < 1000; ++block) {
    const Uint4x32 u = philox_block(seed, block);
    EXPECT_EQ(pi_block_hits(u, true, false), reference_count(seed, 2 * block, 1));
    EXPECT_EQ(pi_block_hits(u, false, true), reference_count(seed, 2 * block + 1, 1));
  }
}

TEST(PiHits, ScalarCountMatchesReference) {
  struct Case {
    std::uint64_t seed, first, n;
  };
  for (const Case c :
       {Case{1, 0, 1}, Case{1, 1, 1}, Case{1, 0, 0}, Case{2, 3, 1000}, Case{3, 131071, 7},
        Case{4, 131069, 10001}, Case{0xffffffff00000001ull, (1ull << 49) - 5, 4097},
        Case{0xdeadbeefcafef00dull, 12345678901ull, 99999}}) {
    EXPECT_EQ(count_pi_hits_scalar(c.seed, c.first, c.n), reference_count(c.seed, c.first, c.n))
        << "seed " << c.seed << " first " << c.first << " n " << c.n;
  }
}

}  // namespace
}  // namespace tessera::kernels
