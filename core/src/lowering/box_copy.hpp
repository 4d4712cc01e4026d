#pragma once
// Copies an N-d box between row-major buffers: assembling chunks into a result and gathering the
// region a kernel reads from stored chunks.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::detail {

/// Copies the box of `extent` starting at `src_lo` in a row-major array of `src_shape` to
/// `dst_lo` in one of `dst_shape`; elements are `element_size` bytes.
void copy_box(const void* src, const std::vector<std::int64_t>& src_shape,
              const std::vector<std::int64_t>& src_lo, void* dst,
              const std::vector<std::int64_t>& dst_shape, const std::vector<std::int64_t>& dst_lo,
              const std::vector<std::int64_t>& extent, std::size_t element_size);

/// Calls f(index) for every multi-index of a grid of `extent`, row-major (once for a 0-d grid,
/// never when an extent is 0).
template <class F>
void for_each_index(const std::vector<std::int64_t>& extent, F&& f) {
  for (std::int64_t e : extent)
    if (e <= 0) return;
  std::vector<std::int64_t> index(extent.size(), 0);
  while (true) {
    f(index);
    std::size_t d = extent.size();
    while (d-- > 0) {
      if (++index[d] < extent[d]) break;
      index[d] = 0;
    }
    if (d == static_cast<std::size_t>(-1)) return;
  }
}

/// Row-major strides (in elements) of a shape.
std::vector<std::int64_t> row_major_strides(const std::vector<std::int64_t>& shape);

}  // namespace tessera::detail
