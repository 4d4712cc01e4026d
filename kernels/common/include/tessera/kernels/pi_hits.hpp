// The Monte Carlo pi estimator, defined exactly so CPU and GPU count the same hits.
//
// Sample j uses the 32-bit outputs a = u[2j], b = u[2j + 1] of the Philox stream (philox.hpp), so
// Philox block B holds sample 2B in lanes (x, y) and sample 2B + 1 in lanes (z, w). The point is
// the midpoint x = (a + 0.5) / 2^32, y = (b + 0.5) / 2^32 (what curand_uniform returns), and it
// hits iff x^2 + y^2 < 1, i.e. (2a + 1)^2 + (2b + 1)^2 < 2^66, i.e. 4(a(a + 1) + b(b + 1)) + 2 <
// 2^66, i.e. (the left side being an integer) a(a + 1) + b(b + 1) < 2^64. No rounding anywhere.
// Each term a(a + 1) <= 2^64 - 2^32 fits in uint64, so "hit" is "the uint64 sum does not wrap".
#pragma once

#include <cstdint>

#include "tessera/kernels/hd.hpp"
#include "tessera/kernels/philox.hpp"

namespace tessera::kernels {

// a * (a + 1) as uint64, computed as a * a + a so it cannot overflow.
TESSERA_HD TESSERA_INLINE constexpr std::uint64_t pi_square_term(std::uint32_t a) {
  return static_cast<std::uint64_t>(a) * a + a;
}

// Whether the sample made of 32-bit outputs (a, b) falls inside the quarter circle.
TESSERA_HD TESSERA_INLINE constexpr bool pi_sample_hit(std::uint32_t a, std::uint32_t b) {
  const std::uint64_t ta = pi_square_term(a);
  return ta + pi_square_term(b) >= ta;  // no wrap <=> the true sum is below 2^64
}

// Hits among the two samples of Philox block `u`; take_even / take_odd select samples 2B / 2B + 1.
TESSERA_HD TESSERA_INLINE constexpr std::uint32_t pi_block_hits(const Uint4x32& u, bool take_even,
                                                                bool take_odd) {
  return static_cast<std::uint32_t>(take_even && pi_sample_hit(u.x, u.y)) +
         static_cast<std::uint32_t>(take_odd && pi_sample_hit(u.z, u.w));
}

// A half-open range of sample indices [first, end) and the Philox blocks that hold it.
struct PiSampleRange {
  std::uint64_t first;
  std::uint64_t end;

  // First Philox block touched by the range.
  TESSERA_HD TESSERA_INLINE constexpr std::uint64_t first_block() const { return first >> 1; }
  // One past the last Philox block touched by the range (end may fall mid-block).
  TESSERA_HD TESSERA_INLINE constexpr std::uint64_t end_block() const {
    return (end >> 1) + (end & 1u);
  }
};

// Generates Philox block B of the 32-bit stream for one seed with tessera's own Philox.
struct PhiloxBlocks {
  Uint2x32 key;

  // Block `block` of the stream.
  TESSERA_HD TESSERA_INLINE constexpr Uint4x32 operator()(std::uint64_t block) const {
    return philox4x32_10(curand_block_counter(block), key);
  }
};

// Hits of the samples of `range` that lie in block `block`, with blocks made by `blocks`.
template <class BlockGenerator>
TESSERA_HD TESSERA_INLINE constexpr std::uint32_t pi_block_hits_in_range(
    const BlockGenerator& blocks, const PiSampleRange& range, std::uint64_t block) {
  const std::uint64_t even = 2 * block;
  return pi_block_hits(blocks(block), even >= range.first, even + 1 < range.end);
}

}  // namespace tessera::kernels
