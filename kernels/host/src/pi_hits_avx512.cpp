// AVX-512F segment kernel for pi hits: the blocks of a segment through the AVX-512 Philox
// (philox_avx512.hpp, one block per 64-bit lane), four independent groups of 8 blocks to hide the
// multiply latency; each sample's hit test on the low halves of its words (squares mask the
// garbage in the high halves). Compiled for AVX-512 through the target attribute only, so nothing
// else in the binary needs AVX-512.
#include "pi_hits_simd.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "philox_avx512.hpp"

namespace tessera::kernels::detail {
namespace {

constexpr int kGroups = kAvx512GroupBlocks / 8;

// a * (a + 1) of the low 32 bits of each lane, as a * a + a.
__attribute__((target("avx512f"))) inline __m512i square_term(__m512i a) {
  return _mm512_add_epi64(_mm512_mul_epu32(a, a),
                          _mm512_and_si512(a, _mm512_set1_epi64(0xffffffffLL)));
}

// Adds one to each lane of `acc` whose sample (a, b) hits.
__attribute__((target("avx512f"))) inline __m512i add_hits(__m512i acc, __m512i a, __m512i b) {
  const __m512i ta = square_term(a);
  const __mmask8 hit = _mm512_cmpge_epu64_mask(_mm512_add_epi64(ta, square_term(b)), ta);
  return _mm512_mask_add_epi64(acc, hit, acc, _mm512_set1_epi64(1));
}

}  // namespace

__attribute__((target("avx512f"))) std::uint64_t pi_segment_hits_avx512(Uint2x32 key,
                                                                        std::uint64_t position,
                                                                        std::uint32_t first_sub,
                                                                        std::uint32_t n_blocks) {
  const PhiloxKeysAvx512 keys = philox_keys_avx512(key);
  const __m512i word_x = _mm512_set1_epi64(static_cast<std::uint32_t>(position));
  const __m512i word_y = _mm512_set1_epi64(static_cast<std::uint32_t>(position >> 32));
  const __m512i iota = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0);
  __m512i hits = _mm512_setzero_si512();
  for (std::uint32_t step = 0; step < n_blocks; step += kAvx512GroupBlocks) {
    __m512i x[kGroups], y[kGroups], z[kGroups], w[kGroups];
    for (int g = 0; g < kGroups; ++g) {
      x[g] = word_x;
      y[g] = word_y;
      z[g] = _mm512_add_epi64(_mm512_set1_epi64(first_sub + step + 8 * g), iota);
      w[g] = _mm512_setzero_si512();
    }
    philox_rounds_avx512<kGroups>(keys, x, y, z, w);
    for (int g = 0; g < kGroups; ++g) {
      hits = add_hits(hits, x[g], y[g]);
      hits = add_hits(hits, z[g], w[g]);
    }
  }
  return static_cast<std::uint64_t>(_mm512_reduce_add_epi64(hits));
}

}  // namespace tessera::kernels::detail
#endif
