// AVX2 kernels for bulk uniform doubles: the AVX-512 scheme (uniform_avx512.cpp) on 4 lanes, with
// the AVX2 Philox shared with the pi kernel (philox_avx2.hpp). AVX2
// has no 64-bit integer to double conversion, so the 53 bits are converted as two exact halves
// (the 2^52 exponent trick) and joined exactly; only the final + 2^-54 rounds, as in the scalar
// code.
#include "uniform_simd.hpp"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

#include "philox_avx2.hpp"

#define TESSERA_AVX2 __attribute__((target("avx2")))

namespace tessera::kernels::detail {
namespace {

constexpr int kGroups = 4;  // independent groups of 4 blocks in flight

// Exact double of each lane's value below 2^32.
TESSERA_AVX2 inline __m256d small_to_double(__m256i v) {
  const __m256i exponent = _mm256_set1_epi64x(0x4330000000000000LL);  // 2^52
  return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(v, exponent)), _mm256_set1_pd(0x1p52));
}

// Doubles from words (lo, hi) of each lane (high halves may hold garbage): 53 bits, centred.
TESSERA_AVX2 inline __m256d to_uniform(__m256i lo, __m256i hi) {
  const __m256i m32 = _mm256_set1_epi64x(0xffffffffLL);
  const __m256i bits = _mm256_xor_si256(
      _mm256_and_si256(_mm256_slli_epi64(hi, 21), _mm256_set1_epi64x((1LL << 53) - 1)),
      _mm256_and_si256(lo, m32));
  const __m256d high = small_to_double(_mm256_srli_epi64(bits, 32));
  const __m256d low = small_to_double(_mm256_and_si256(bits, m32));
  const __m256d whole = _mm256_add_pd(_mm256_mul_pd(high, _mm256_set1_pd(0x1p32)), low);  // exact
  return _mm256_add_pd(_mm256_mul_pd(whole, _mm256_set1_pd(0x1p-53)), _mm256_set1_pd(0x1p-54));
}

// For each lane's even double index i[g]: the double at i (even[g]) and at i + 1 (odd[g]).
template <int G>
TESSERA_AVX2 inline void uniform_pairs(const PhiloxKeysAvx2& keys, const __m256i* i, __m256d* even,
                                       __m256d* odd) {
  const __m256i one = _mm256_set1_epi64x(1);
  __m256i x[G], y[G], z[G], w[G];
  for (int g = 0; g < G; ++g) {
    const __m256i position = _mm256_or_si256(_mm256_slli_epi64(_mm256_srli_epi64(i[g], 18), 1),
                                             _mm256_and_si256(_mm256_srli_epi64(i[g], 1), one));
    x[g] = position;
    y[g] = _mm256_srli_epi64(position, 32);
    z[g] = _mm256_and_si256(_mm256_srli_epi64(i[g], 2), _mm256_set1_epi64x(0xffff));
    w[g] = _mm256_setzero_si256();
  }
  philox_rounds_avx2<G>(keys, x, y, z, w);
  for (int g = 0; g < G; ++g) {
    even[g] = to_uniform(x[g], y[g]);
    odd[g] = to_uniform(z[g], w[g]);
  }
}

// Stream order from lanes of even and odd doubles: e0 o0 e1 o1 | e2 o2 e3 o3.
TESSERA_AVX2 inline void store_interleaved(double* out, __m256d even, __m256d odd) {
  const __m256d low = _mm256_unpacklo_pd(even, odd);   // e0 o0 e2 o2
  const __m256d high = _mm256_unpackhi_pd(even, odd);  // e1 o1 e3 o3
  _mm256_storeu_pd(out, _mm256_permute2f128_pd(low, high, 0x20));
  _mm256_storeu_pd(out + 4, _mm256_permute2f128_pd(low, high, 0x31));
}

}  // namespace

TESSERA_AVX2 void uniform_run_avx2(Uint2x32 key, std::uint64_t first, std::size_t n, double* out) {
  const PhiloxKeysAvx2 keys = philox_keys_avx2(key);
  const __m256i iota2 = _mm256_set_epi64x(6, 4, 2, 0);
  __m256i i[kGroups];
  __m256d even[kGroups], odd[kGroups];
  std::size_t k = 0;
  for (; k + 8 * kGroups <= n; k += 8 * kGroups) {
    for (int g = 0; g < kGroups; ++g) {
      i[g] = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(first + k + 8 * g)), iota2);
    }
    uniform_pairs<kGroups>(keys, i, even, odd);
    for (int g = 0; g < kGroups; ++g) store_interleaved(out + k + 8 * g, even[g], odd[g]);
  }
  for (; k < n; k += 8) {
    i[0] = _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(first + k)), iota2);
    uniform_pairs<1>(keys, i, even, odd);
    if (n - k >= 8) {
      store_interleaved(out + k, even[0], odd[0]);
    } else {
      alignas(32) double tail[8];
      store_interleaved(tail, even[0], odd[0]);
      for (std::size_t j = 0; j < n - k; ++j) out[k + j] = tail[j];
    }
  }
}

TESSERA_AVX2 void uniform_columns_avx2(Uint2x32 key, std::uint64_t base, std::int64_t col_stride,
                                       int rows, int cols, double* out, std::size_t ld) {
  const PhiloxKeysAvx2 keys = philox_keys_avx2(key);
  const __m256i lanes = _mm256_set_epi64x(3 * col_stride, 2 * col_stride, col_stride, 0);
  __m256i i[kGroups];
  __m256d even[kGroups], odd[kGroups];
  // Stores a row of 4 lanes, only the first `width` of them.
  auto store = [](double* to, __m256d v, int width) __attribute__((target("avx2"))) {
    if (width >= 4) {
      _mm256_storeu_pd(to, v);
    } else {
      alignas(32) double lane[4];
      _mm256_store_pd(lane, v);
      for (int j = 0; j < width; ++j) to[j] = lane[j];
    }
  };
  for (int c = 0; c < cols; c += 4) {
    const int width = cols - c;
    const __m256i column =
        _mm256_add_epi64(_mm256_set1_epi64x(static_cast<long long>(base + c * col_stride)), lanes);
    double* const tile = out + c;
    int r = 0;
    for (; r + 2 * kGroups <= rows; r += 2 * kGroups) {
      for (int g = 0; g < kGroups; ++g) {
        i[g] = _mm256_add_epi64(column, _mm256_set1_epi64x(r + 2 * g));
      }
      uniform_pairs<kGroups>(keys, i, even, odd);
      for (int g = 0; g < kGroups; ++g) {
        store(tile + (r + 2 * g) * ld, even[g], width);
        store(tile + (r + 2 * g + 1) * ld, odd[g], width);
      }
    }
    for (; r < rows; r += 2) {
      i[0] = _mm256_add_epi64(column, _mm256_set1_epi64x(r));
      uniform_pairs<1>(keys, i, even, odd);
      store(tile + r * ld, even[0], width);
      if (r + 1 < rows) store(tile + (r + 1) * ld, odd[0], width);
    }
  }
}

}  // namespace tessera::kernels::detail
#endif
