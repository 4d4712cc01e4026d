#pragma once
// Copies an N-d box between row-major buffers: assembling chunks into a result and gathering the
// region a kernel reads from stored chunks.

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tessera::array_detail {

/// Copies the box of `extent` starting at `src_lo` in a row-major array of `src_shape` to
/// `dst_lo` in one of `dst_shape`; elements are `element_size` bytes.
void copy_box(const void* src, const std::vector<std::int64_t>& src_shape,
              const std::vector<std::int64_t>& src_lo, void* dst,
              const std::vector<std::int64_t>& dst_shape, const std::vector<std::int64_t>& dst_lo,
              const std::vector<std::int64_t>& extent, std::size_t element_size);

/// Row-major strides (in elements) of a shape.
std::vector<std::int64_t> row_major_strides(const std::vector<std::int64_t>& shape);

}  // namespace tessera::array_detail
