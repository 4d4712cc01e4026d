// Internal: Philox4x32-10 (philox.hpp) on AVX-512F vectors, the one vector Philox of this
// instruction set: the pi kernel (pi_hits_avx512.cpp) and the uniform-double kernels
// (uniform_avx512.cpp) differ only in the counters they feed it and in what they make of its
// output words.
//
// Each 64-bit lane carries one block's word in its low half: vpmuludq then gives the full
// 32x32->64 product of 8 blocks in one instruction, and the garbage it leaves in the high halves
// is never read (vpmuludq ignores them, and the users mask them). Enabled per function (target
// attribute) so nothing else in the binary needs AVX-512; every caller must be compiled for
// AVX-512F too (a superset, such as avx512f,avx512dq, inlines it as well).
#pragma once

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "tessera/kernels/philox.hpp"

// GCC 12's AVX-512 intrinsics build their pass-through operands from _mm512_undefined_epi32(),
// which -Wuninitialized flags wherever they are inlined (GCC bug 105593); the values are never
// read. Turned off for the rest of the including file, not pushed and popped: only AVX-512 kernel
// files include this header, and their own intrinsics trip the same warnings.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace tessera::kernels::detail {

// The multipliers and the ten round keys of a Philox key, broadcast: computed once per call,
// outside the hot loop (broadcasting the multipliers per step instead cost the AVX2 pi kernel about
// a fifth of its speed: the compiler then spilled other registers in the loop).
struct PhiloxKeysAvx512 {
  __m512i m0, m1;
  __m512i k0[kPhiloxRounds], k1[kPhiloxRounds];
};

__attribute__((target("avx512f"))) inline PhiloxKeysAvx512 philox_keys_avx512(Uint2x32 key) {
  PhiloxKeysAvx512 keys;
  keys.m0 = _mm512_set1_epi64(kPhiloxM0);
  keys.m1 = _mm512_set1_epi64(kPhiloxM1);
  for (int r = 0; r < kPhiloxRounds; ++r) {
    keys.k0[r] = _mm512_set1_epi64(static_cast<std::uint32_t>(key.x + r * kPhiloxW0));
    keys.k1[r] = _mm512_set1_epi64(static_cast<std::uint32_t>(key.y + r * kPhiloxW1));
  }
  return keys;
}

// The ten rounds on G groups of 8 blocks: counter words (x, y, z, w) in, output words out. The
// groups are independent, so G of them in flight hide the multiplies' latency.
template <int G>
__attribute__((target("avx512f"))) inline void philox_rounds_avx512(const PhiloxKeysAvx512& keys,
                                                                    __m512i* x, __m512i* y,
                                                                    __m512i* z, __m512i* w) {
  for (int r = 0; r < kPhiloxRounds; ++r) {
    for (int g = 0; g < G; ++g) {
      const __m512i p0 = _mm512_mul_epu32(x[g], keys.m0);
      const __m512i p1 = _mm512_mul_epu32(z[g], keys.m1);
      // 0x96 is the three-way xor.
      x[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p1, 32), y[g], keys.k0[r], 0x96);
      z[g] = _mm512_ternarylogic_epi64(_mm512_srli_epi64(p0, 32), w[g], keys.k1[r], 0x96);
      y[g] = p1;
      w[g] = p0;
    }
  }
}

}  // namespace tessera::kernels::detail
#endif
