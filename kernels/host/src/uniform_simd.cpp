// Dispatch of the bulk uniform-double kernels, and the portable kernels (one Philox block, two
// doubles, at a time) for CPUs without AVX2.
#include "uniform_simd.hpp"

namespace tessera::kernels::detail {
namespace {

// The two doubles of the block that holds double `even` (even) and `even` + 1.
struct DoublePair {
  double even, odd;
};

DoublePair pair_at(Uint2x32 key, std::uint64_t even) {
  const Uint4x32 u = philox4x32_10(curand_block_counter(uniform_double_block(even)), key);
  return {uniform_double_from_bits(u.x, u.y), uniform_double_from_bits(u.z, u.w)};
}

void uniform_run_generic(Uint2x32 key, std::uint64_t first, std::size_t n, double* out) {
  std::size_t k = 0;
  for (; k + 1 < n; k += 2) {
    const DoublePair p = pair_at(key, first + k);
    out[k] = p.even;
    out[k + 1] = p.odd;
  }
  if (k < n) out[k] = pair_at(key, first + k).even;
}

void uniform_columns_generic(Uint2x32 key, std::uint64_t base, std::int64_t col_stride, int rows,
                             int cols, double* out, std::size_t ld) {
  for (int r = 0; r < rows; r += 2) {
    for (int c = 0; c < cols; ++c) {
      const DoublePair p = pair_at(key, base + static_cast<std::uint64_t>(c * col_stride + r));
      out[r * ld + c] = p.even;
      if (r + 1 < rows) out[(r + 1) * ld + c] = p.odd;
    }
  }
}

UniformRunKernel run_kernel(SimdLevel level) {
  switch (level) {
#if defined(__x86_64__) || defined(__i386__)
    case SimdLevel::avx512:
      return uniform_run_avx512;
    case SimdLevel::avx2:
      return uniform_run_avx2;
#endif
    default:
      return uniform_run_generic;
  }
}

UniformColumnsKernel columns_kernel(SimdLevel level) {
  switch (level) {
#if defined(__x86_64__) || defined(__i386__)
    case SimdLevel::avx512:
      return uniform_columns_avx512;
    case SimdLevel::avx2:
      return uniform_columns_avx2;
#endif
    default:
      return uniform_columns_generic;
  }
}

}  // namespace
}  // namespace tessera::kernels::detail

namespace tessera::kernels::host {

void uniform_run_at(std::uint64_t seed, std::uint64_t first, std::size_t n, double* out,
                    SimdLevel level) {
  using detail::run_kernel;
  if (n == 0) return;
  if (first & 1u) {  // the run starts with the odd double of a block
    *out++ = uniform_double(seed, first++);
    --n;
  }
  run_kernel(level)(philox_key(seed), first, n, out);
}

void uniform_columns_at(std::uint64_t seed, std::uint64_t base, std::int64_t col_stride, int rows,
                        int cols, double* out, std::size_t ld, SimdLevel level) {
  using detail::columns_kernel;
  if (rows <= 0 || cols <= 0) return;
  columns_kernel(level)(philox_key(seed), base, col_stride, rows, cols, out, ld);
}

}  // namespace tessera::kernels::host
