// Internal: Philox4x32-10 (philox.hpp) on AVX2 vectors, the one vector Philox of this instruction
// set: the pi kernel (pi_hits_avx2.cpp) and the uniform-double kernels (uniform_avx2.cpp) differ
// only in the counters they feed it and in what they make of its output words.
//
// Each 64-bit lane carries one block's word in its low half: vpmuludq then gives the full
// 32x32->64 product of 4 blocks in one instruction, and the garbage it leaves in the high halves
// is never read (vpmuludq ignores them, and the users mask them). Enabled per function (target
// attribute) so nothing else in the binary needs AVX2; every caller must be compiled for AVX2 too.
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tessera/kernels/philox.hpp"

namespace tessera::kernels::detail {

// The multipliers and the ten round keys of a Philox key, broadcast: computed once per call,
// outside the hot loop (broadcasting the multipliers per step instead cost the AVX2 pi kernel about
// a fifth of its speed: the compiler then spilled other registers in the loop).
struct PhiloxKeysAvx2 {
  __m256i m0, m1;
  __m256i k0[kPhiloxRounds], k1[kPhiloxRounds];
};

__attribute__((target("avx2"))) inline PhiloxKeysAvx2 philox_keys_avx2(Uint2x32 key) {
  PhiloxKeysAvx2 keys;
  keys.m0 = _mm256_set1_epi64x(kPhiloxM0);
  keys.m1 = _mm256_set1_epi64x(kPhiloxM1);
  for (int r = 0; r < kPhiloxRounds; ++r) {
    keys.k0[r] = _mm256_set1_epi64x(static_cast<std::uint32_t>(key.x + r * kPhiloxW0));
    keys.k1[r] = _mm256_set1_epi64x(static_cast<std::uint32_t>(key.y + r * kPhiloxW1));
  }
  return keys;
}

// The ten rounds on G groups of 4 blocks: counter words (x, y, z, w) in, output words out. The
// groups are independent, so G of them in flight hide the multiplies' latency.
template <int G>
__attribute__((target("avx2"))) inline void philox_rounds_avx2(const PhiloxKeysAvx2& keys,
                                                               __m256i* x, __m256i* y, __m256i* z,
                                                               __m256i* w) {
  for (int r = 0; r < kPhiloxRounds; ++r) {
    for (int g = 0; g < G; ++g) {
      const __m256i p0 = _mm256_mul_epu32(x[g], keys.m0);
      const __m256i p1 = _mm256_mul_epu32(z[g], keys.m1);
      x[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p1, 32), y[g]), keys.k0[r]);
      z[g] = _mm256_xor_si256(_mm256_xor_si256(_mm256_srli_epi64(p0, 32), w[g]), keys.k1[r]);
      y[g] = p1;
      w[g] = p0;
    }
  }
}

}  // namespace tessera::kernels::detail
#endif
