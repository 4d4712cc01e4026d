// AVX-512 (F + DQ) kernels for bulk uniform doubles: the AVX-512 Philox shared with the pi kernel
// (philox_avx512.hpp: one block per 64-bit lane), four independent groups of 8 blocks to hide
// the multiply latency, with per-lane counters in cuRAND's double layout, and the 53-bit to
// double map of philox.hpp done exactly (vcvtuqq2pd of an integer below 2^53 is exact; the fused
// multiply-add rounds once, as the scalar code's exact product plus one rounded sum does).
#include "uniform_simd.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "philox_avx512.hpp"

#define TESSERA_AVX512 __attribute__((target("avx512f,avx512dq")))

namespace tessera::kernels::detail {
namespace {

constexpr int kGroups = 4;  // independent groups of 8 blocks in flight

// Doubles from words (lo, hi) of each lane (high halves may hold garbage): 53 bits, centred.
TESSERA_AVX512 inline __m512d to_uniform(__m512i lo, __m512i hi) {
  // (hi << 21 & (2^53 - 1)) ^ (lo & (2^32 - 1)); 0x6a is (A & B) ^ C.
  const __m512i bits =
      _mm512_ternarylogic_epi64(_mm512_slli_epi64(hi, 21), _mm512_set1_epi64((1LL << 53) - 1),
                                _mm512_and_si512(lo, _mm512_set1_epi64(0xffffffffLL)), 0x6a);
  return _mm512_fmadd_pd(_mm512_cvtepu64_pd(bits), _mm512_set1_pd(0x1p-53),
                         _mm512_set1_pd(0x1p-54));
}

// For each lane's even double index i[g]: the double at i (even[g]) and at i + 1 (odd[g]).
template <int G>
TESSERA_AVX512 inline void uniform_pairs(const PhiloxKeysAvx512& keys, const __m512i* i,
                                         __m512d* even, __m512d* odd) {
  const __m512i one = _mm512_set1_epi64(1);
  __m512i x[G], y[G], z[G], w[G];
  for (int g = 0; g < G; ++g) {
    // uniform_double_block: position 2 * (i >> 18) + (i >> 1) % 2, subsequence (i >> 2) % 65536.
    const __m512i position = _mm512_or_si512(_mm512_slli_epi64(_mm512_srli_epi64(i[g], 18), 1),
                                             _mm512_and_si512(_mm512_srli_epi64(i[g], 1), one));
    x[g] = position;  // only the low half is read (vpmuludq)
    y[g] = _mm512_srli_epi64(position, 32);
    z[g] = _mm512_and_si512(_mm512_srli_epi64(i[g], 2), _mm512_set1_epi64(0xffff));
    w[g] = _mm512_setzero_si512();
  }
  philox_rounds_avx512<G>(keys, x, y, z, w);
  for (int g = 0; g < G; ++g) {
    even[g] = to_uniform(x[g], y[g]);
    odd[g] = to_uniform(z[g], w[g]);
  }
}

}  // namespace

TESSERA_AVX512 void uniform_run_avx512(Uint2x32 key, std::uint64_t first, std::size_t n,
                                       double* out) {
  const PhiloxKeysAvx512 keys = philox_keys_avx512(key);
  const __m512i iota2 = _mm512_set_epi64(14, 12, 10, 8, 6, 4, 2, 0);
  // Interleave even and odd doubles back into stream order.
  const __m512i low_half = _mm512_set_epi64(11, 3, 10, 2, 9, 1, 8, 0);
  const __m512i high_half = _mm512_set_epi64(15, 7, 14, 6, 13, 5, 12, 4);
  __m512i i[kGroups];
  __m512d even[kGroups], odd[kGroups];
  std::size_t k = 0;
  for (; k + 16 * kGroups <= n; k += 16 * kGroups) {
    for (int g = 0; g < kGroups; ++g) {
      i[g] = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(first + k + 16 * g)), iota2);
    }
    uniform_pairs<kGroups>(keys, i, even, odd);
    for (int g = 0; g < kGroups; ++g) {
      _mm512_storeu_pd(out + k + 16 * g, _mm512_permutex2var_pd(even[g], low_half, odd[g]));
      _mm512_storeu_pd(out + k + 16 * g + 8, _mm512_permutex2var_pd(even[g], high_half, odd[g]));
    }
  }
  for (; k < n; k += 16) {
    i[0] = _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(first + k)), iota2);
    uniform_pairs<1>(keys, i, even, odd);
    const std::size_t left = n - k;
    const __mmask8 low_mask = left >= 8 ? 0xff : static_cast<__mmask8>((1u << left) - 1);
    const __mmask8 high_mask = left >= 16 ? 0xff
                               : left > 8 ? static_cast<__mmask8>((1u << (left - 8)) - 1)
                                          : 0;
    _mm512_mask_storeu_pd(out + k, low_mask, _mm512_permutex2var_pd(even[0], low_half, odd[0]));
    _mm512_mask_storeu_pd(out + k + 8, high_mask,
                          _mm512_permutex2var_pd(even[0], high_half, odd[0]));
  }
}

TESSERA_AVX512 void uniform_columns_avx512(Uint2x32 key, std::uint64_t base,
                                           std::int64_t col_stride, int rows, int cols, double* out,
                                           std::size_t ld) {
  const PhiloxKeysAvx512 keys = philox_keys_avx512(key);
  const __m512i lanes =
      _mm512_mullo_epi64(_mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi64(col_stride));
  __m512i i[kGroups];
  __m512d even[kGroups], odd[kGroups];
  for (int c = 0; c < cols; c += 8) {
    const __mmask8 mask = cols - c >= 8 ? 0xff : static_cast<__mmask8>((1u << (cols - c)) - 1);
    const __m512i column =
        _mm512_add_epi64(_mm512_set1_epi64(static_cast<long long>(base + c * col_stride)), lanes);
    double* const tile = out + c;
    int r = 0;
    for (; r + 2 * kGroups <= rows; r += 2 * kGroups) {
      for (int g = 0; g < kGroups; ++g) {
        i[g] = _mm512_add_epi64(column, _mm512_set1_epi64(r + 2 * g));
      }
      uniform_pairs<kGroups>(keys, i, even, odd);
      for (int g = 0; g < kGroups; ++g) {
        _mm512_mask_storeu_pd(tile + (r + 2 * g) * ld, mask, even[g]);
        _mm512_mask_storeu_pd(tile + (r + 2 * g + 1) * ld, mask, odd[g]);
      }
    }
    for (; r < rows; r += 2) {
      i[0] = _mm512_add_epi64(column, _mm512_set1_epi64(r));
      uniform_pairs<1>(keys, i, even, odd);
      _mm512_mask_storeu_pd(tile + r * ld, mask, even[0]);
      if (r + 1 < rows) _mm512_mask_storeu_pd(tile + (r + 1) * ld, mask, odd[0]);
    }
  }
}

}  // namespace tessera::kernels::detail
#endif
