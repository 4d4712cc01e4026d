// AVX2 segment kernel for pi hits: the AVX-512 kernel's scheme (pi_hits_avx512.cpp) on 4 lanes,
// with the AVX2 Philox shared with the uniform kernels (philox_avx2.hpp).
// AVX2 has no unsigned 64-bit compare, so it counts misses (sums that wrap) with a sign-flipped
// signed compare and returns the sample count minus the misses.
#include "pi_hits_simd.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "philox_avx2.hpp"

namespace tessera::kernels::detail {
namespace {

constexpr int kGroups = kAvx2GroupBlocks / 4;

// a * (a + 1) of the low 32 bits of each lane, as a * a + a.
__attribute__((target("avx2"))) inline __m256i square_term(__m256i a) {
  return _mm256_add_epi64(_mm256_mul_epu32(a, a),
                          _mm256_and_si256(a, _mm256_set1_epi64x(0xffffffffLL)));
}

// Subtracts one from each lane of `acc` (i.e. counts one miss) whose sample (a, b) misses.
__attribute__((target("avx2"))) inline __m256i add_misses(__m256i acc, __m256i a, __m256i b) {
  const __m256i sign = _mm256_set1_epi64x(static_cast<long long>(0x8000000000000000ULL));
  const __m256i ta = square_term(a);
  const __m256i sum = _mm256_add_epi64(ta, square_term(b));
  // sum < ta (unsigned) <=> the sum wrapped <=> miss; the mask is -1 there.
  const __m256i wrapped =
      _mm256_cmpgt_epi64(_mm256_xor_si256(ta, sign), _mm256_xor_si256(sum, sign));
  return _mm256_sub_epi64(acc, wrapped);
}

}  // namespace

__attribute__((target("avx2"))) std::uint64_t pi_segment_hits_avx2(Uint2x32 key,
                                                                   std::uint64_t position,
                                                                   std::uint32_t first_sub,
                                                                   std::uint32_t n_blocks) {
  const PhiloxKeysAvx2 keys = philox_keys_avx2(key);
  const __m256i word_x = _mm256_set1_epi64x(static_cast<std::uint32_t>(position));
  const __m256i word_y = _mm256_set1_epi64x(static_cast<std::uint32_t>(position >> 32));
  const __m256i iota = _mm256_set_epi64x(3, 2, 1, 0);
  __m256i misses = _mm256_setzero_si256();
  for (std::uint32_t step = 0; step < n_blocks; step += kAvx2GroupBlocks) {
    __m256i x[kGroups], y[kGroups], z[kGroups], w[kGroups];
    for (int g = 0; g < kGroups; ++g) {
      x[g] = word_x;
      y[g] = word_y;
      z[g] = _mm256_add_epi64(_mm256_set1_epi64x(first_sub + step + 4 * g), iota);
      w[g] = _mm256_setzero_si256();
    }
    philox_rounds_avx2<kGroups>(keys, x, y, z, w);
    for (int g = 0; g < kGroups; ++g) {
      misses = add_misses(misses, x[g], y[g]);
      misses = add_misses(misses, z[g], w[g]);
    }
  }
  alignas(32) std::uint64_t lanes[4];
  _mm256_store_si256(reinterpret_cast<__m256i*>(lanes), misses);
  return 2ull * n_blocks - (lanes[0] + lanes[1] + lanes[2] + lanes[3]);
}

}  // namespace tessera::kernels::detail
#endif
