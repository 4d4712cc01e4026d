// Philox4x32-10 (Salmon et al., SC'11) and the element layout of cuRAND's host generator
// CURAND_RNG_PSEUDO_PHILOX4_32_10, so element i of a random array can be computed directly on host
// or device and equals what cuRAND's bulk generator writes at i. Random arrays are functions,
// not buffers: any chunking, worker, device or rank computes the same element from its index.
#pragma once

#include <cstdint>

#include "tessera/kernels/hd.hpp"

namespace tessera::kernels {

// Four 32-bit words: a Philox counter or one Philox output block (same layout as CUDA's uint4).
struct Uint4x32 {
  std::uint32_t x, y, z, w;
};

// Two 32-bit words: a Philox key (same layout as CUDA's uint2).
struct Uint2x32 {
  std::uint32_t x, y;
};

inline constexpr std::uint32_t kPhiloxM0 = 0xD2511F53u;  // multiplier of counter word x
inline constexpr std::uint32_t kPhiloxM1 = 0xCD9E8D57u;  // multiplier of counter word z
inline constexpr std::uint32_t kPhiloxW0 = 0x9E3779B9u;  // key bump of key word x (golden ratio)
inline constexpr std::uint32_t kPhiloxW1 = 0xBB67AE85u;  // key bump of key word y (sqrt(3) - 1)
inline constexpr int kPhiloxRounds = 10;

// Lane `i` (0..3) of a block: x, y, z, w.
TESSERA_HD TESSERA_INLINE constexpr std::uint32_t lane(const Uint4x32& v, int i) {
  return i == 0 ? v.x : i == 1 ? v.y : i == 2 ? v.z : v.w;
}

// One Philox round: two 32x32->64 multiplies, the high halves xored with the other words and key.
TESSERA_HD TESSERA_INLINE constexpr Uint4x32 philox_round(const Uint4x32& c, const Uint2x32& k) {
  const std::uint64_t p0 = static_cast<std::uint64_t>(kPhiloxM0) * c.x;
  const std::uint64_t p1 = static_cast<std::uint64_t>(kPhiloxM1) * c.z;
  return {static_cast<std::uint32_t>(p1 >> 32) ^ c.y ^ k.x, static_cast<std::uint32_t>(p1),
          static_cast<std::uint32_t>(p0 >> 32) ^ c.w ^ k.y, static_cast<std::uint32_t>(p0)};
}

// Philox4x32-10: the 4 output words for `counter` under `key` (bit-identical to Random123 and to
// cuRAND's curand_Philox4x32_10).
TESSERA_HD TESSERA_INLINE constexpr Uint4x32 philox4x32_10(Uint4x32 counter, Uint2x32 key) {
  for (int r = 0; r < kPhiloxRounds - 1; ++r) {
    counter = philox_round(counter, key);
    key.x += kPhiloxW0;
    key.y += kPhiloxW1;
  }
  return philox_round(counter, key);
}

// cuRAND's key for a 64-bit seed: (low word, high word).
TESSERA_HD TESSERA_INLINE constexpr Uint2x32 philox_key(std::uint64_t seed) {
  return {static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32)};
}

// Counter of Philox block `block` in cuRAND's host layout: the generator runs 65536 subsequences
// side by side, so block b is subsequence b % 65536 (words z, w) at position b / 65536 (words x,
// y).
TESSERA_HD TESSERA_INLINE constexpr Uint4x32 curand_block_counter(std::uint64_t block) {
  const std::uint64_t position = block >> 16;
  return {static_cast<std::uint32_t>(position), static_cast<std::uint32_t>(position >> 32),
          static_cast<std::uint32_t>(block & 0xffffu), 0u};
}

// Philox block `block` of the 32-bit stream: 32-bit output k is lane k % 4 of block k / 4.
TESSERA_HD TESSERA_INLINE constexpr Uint4x32 philox_block(std::uint64_t seed, std::uint64_t block) {
  return philox4x32_10(curand_block_counter(block), philox_key(seed));
}

// 32-bit output k: what curandGenerate writes at index k (seed `seed`, offset 0).
TESSERA_HD TESSERA_INLINE constexpr std::uint32_t uint32_output(std::uint64_t seed,
                                                                std::uint64_t k) {
  return lane(philox_block(seed, k >> 2), static_cast<int>(k & 3u));
}

// Block of the 32-bit stream that holds double i. curandGenerateUniformDouble does NOT read the
// 32-bit stream in order: each subsequence makes 4 doubles from two consecutive positions, so
// double i comes from position 2 * (i / 262144) + (i / 2) % 2 of subsequence (i / 4) % 65536.
TESSERA_HD TESSERA_INLINE constexpr std::uint64_t uniform_double_block(std::uint64_t i) {
  const std::uint64_t position = 2 * (i >> 18) + ((i >> 1) & 1u);
  return (position << 16) | ((i >> 2) & 0xffffu);
}

// Maps two 32-bit outputs to (0, 1] like cuRAND's _curand_uniform_double_hq: 53 random bits,
// centred in their interval. Never 0; 1.0 is possible (the top interval's centre rounds up to it),
// as cuRAND documents for curand_uniform_double.
TESSERA_HD TESSERA_INLINE constexpr double uniform_double_from_bits(std::uint32_t lo,
                                                                    std::uint32_t hi) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(hi) << 21) ^ lo;
  return static_cast<double>(bits) * 0x1p-53 + 0x1p-54;
}

// Double i: what curandGenerateUniformDouble writes at index i (seed `seed`, offset 0).
TESSERA_HD TESSERA_INLINE constexpr double uniform_double(std::uint64_t seed, std::uint64_t i) {
  const Uint4x32 u = philox_block(seed, uniform_double_block(i));
  return (i & 1u) ? uniform_double_from_bits(u.z, u.w) : uniform_double_from_bits(u.x, u.y);
}

}  // namespace tessera::kernels
