// Internal: bulk uniform doubles in cuRAND's layout (philox.hpp), vectorized per instruction
// set. Doubles 2k and 2k+1 come from one Philox block (words x, y and z, w), so a contiguous run
// costs one Philox call per two doubles; so does a transposed read, where the two doubles of a
// block land in two consecutive rows of a tile and the lanes of a vector walk along the columns.
#pragma once

#include <cstddef>
#include <cstdint>

#include "simd_level.hpp"
#include "tessera/kernels/philox.hpp"

namespace tessera::kernels::detail {

// Per-level kernels behind host::uniform_run_at and uniform_columns_at (simd.hpp): the same
// contracts, with `first` even.
using UniformRunKernel = void (*)(Uint2x32 key, std::uint64_t first, std::size_t n, double* out);
using UniformColumnsKernel = void (*)(Uint2x32 key, std::uint64_t base, std::int64_t col_stride,
                                      int rows, int cols, double* out, std::size_t ld);

void uniform_run_avx512(Uint2x32 key, std::uint64_t first, std::size_t n, double* out);
void uniform_columns_avx512(Uint2x32 key, std::uint64_t base, std::int64_t col_stride, int rows,
                            int cols, double* out, std::size_t ld);
void uniform_run_avx2(Uint2x32 key, std::uint64_t first, std::size_t n, double* out);
void uniform_columns_avx2(Uint2x32 key, std::uint64_t base, std::int64_t col_stride, int rows,
                          int cols, double* out, std::size_t ld);

}  // namespace tessera::kernels::detail
