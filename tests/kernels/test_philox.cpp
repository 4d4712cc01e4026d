// Philox4x32-10 against the Random123 known-answer vectors, and the element layout helpers.
#include "tessera/kernels/philox.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace tessera::kernels {
namespace {

// Random123's kat_vectors for philox4x32_10; checked at compile time as well.
static_assert(philox4x32_10({0, 0, 0, 0}, {0, 0}).x == 0x6627e8d5u);
static_assert(philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                            {0xffffffffu, 0xffffffffu})
                  .w == 0x6d5451fdu);

void expect_block(const Uint4x32& got, std::uint32_t x, std::uint32_t y, std::uint32_t z,
                  std::uint32_t w) {
  EXPECT_EQ(got.x, x);
  EXPECT_EQ(got.y, y);
  EXPECT_EQ(got.z, z);
  EXPECT_EQ(got.w, w);
}

TEST(Philox, Random123KnownAnswers) {
  expect_block(philox4x32_10({0, 0, 0, 0}, {0, 0}), 0x6627e8d5u, 0xe169c58du, 0xbc57ac4cu,
               0x9b00dbd8u);
  expect_block(philox4x32_10({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu},
                             {0xffffffffu, 0xffffffffu}),
               0x408f276du, 0x41c83b0eu, 0xa20bc7c6u, 0x6d5451fdu);
  expect_block(philox4x32_10({0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u},
                             {0xa4093822u, 0x299f31d0u}),
               0xd16cfe09u, 0x94fdccebu, 0x5001e420u, 0x24126ea1u);
}

TEST(Philox, KeyIsSeedLowThenHigh) {
  const Uint2x32 key = philox_key(0x0123456789abcdefull);
  EXPECT_EQ(key.x, 0x89abcdefu);
  EXPECT_EQ(key.y, 0x01234567u);
}

TEST(Philox, BlockCounterFollowsCurandSubsequences) {
  expect_block(curand_block_counter(0), 0, 0, 0, 0);
  expect_block(curand_block_counter(65535), 0, 0, 65535, 0);
  expect_block(curand_block_counter(65536), 1, 0, 0, 0);
  expect_block(curand_block_counter(3 * 65536 + 17), 3, 0, 17, 0);
  // Positions past 2^32 carry into word y, as curand's 64-bit offset does.
  expect_block(curand_block_counter((std::uint64_t{5} << 48) | (std::uint64_t{7} << 16) | 9), 7, 5,
               9, 0);
}

TEST(Philox, Uint32OutputIsLaneOfItsBlock) {
  const std::uint64_t seed = 0xfeedfacecafebeefull;
  for (std::uint64_t k :
       {0ull, 1ull, 2ull, 3ull, 4ull, 262143ull, 262144ull, 1048579ull, (1ull << 52) + 6}) {
    EXPECT_EQ(uint32_output(seed, k), lane(philox_block(seed, k / 4), static_cast<int>(k % 4)))
        << "k=" << k;
  }
}

TEST(Philox, UniformDoubleLayout) {
  // Doubles 0..3 of a period come from positions 0, 0, 1, 1 of subsequence 0; the next 4 from
  // subsequence 1; after 65536 subsequences the next period starts at position 2.
  EXPECT_EQ(uniform_double_block(0), 0u);
  EXPECT_EQ(uniform_double_block(1), 0u);
  EXPECT_EQ(uniform_double_block(2), 65536u);
  EXPECT_EQ(uniform_double_block(3), 65536u);
  EXPECT_EQ(uniform_double_block(4), 1u);
  EXPECT_EQ(uniform_double_block(262143), 65536u + 65535u);
  EXPECT_EQ(uniform_double_block(262144), 2u * 65536u);
  const Uint4x32 u = philox_block(7, uniform_double_block(5));
  EXPECT_EQ(uniform_double(7, 5), uniform_double_from_bits(u.z, u.w));
}

TEST(Philox, UniformDoubleIsInHalfOpenIntervalLikeCurand) {
  EXPECT_EQ(uniform_double_from_bits(0, 0), 0x1p-54);
  // All 53 bits set: 1 - 2^-54 is a tie between 1 - 2^-53 and 1, and rounds to even, i.e. 1.
  EXPECT_EQ(uniform_double_from_bits(0x001fffffu, 0xffffffffu), 1.0);
  for (std::uint64_t i = 0; i < 10000; ++i) {
    const double v = uniform_double(3, i);
    EXPECT_GT(v, 0.0);
    EXPECT_LE(v, 1.0);
  }
}

}  // namespace
}  // namespace tessera::kernels
