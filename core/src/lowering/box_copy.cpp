#include "lowering/box_copy.hpp"

#include <cstring>

namespace tessera::detail {

std::vector<std::int64_t> row_major_strides(const std::vector<std::int64_t>& shape) {
  std::vector<std::int64_t> strides(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

void copy_box(const void* src, const std::vector<std::int64_t>& src_shape,
              const std::vector<std::int64_t>& src_lo, void* dst,
              const std::vector<std::int64_t>& dst_shape, const std::vector<std::int64_t>& dst_lo,
              const std::vector<std::int64_t>& extent, std::size_t element_size) {
  const std::size_t ndim = extent.size();
  for (std::int64_t e : extent)
    if (e <= 0) return;
  if (ndim == 0) {
    std::memcpy(dst, src, element_size);
    return;
  }
  const auto src_strides = row_major_strides(src_shape);
  const auto dst_strides = row_major_strides(dst_shape);
  const std::size_t run = static_cast<std::size_t>(extent[ndim - 1]) * element_size;
  // Odometer over every dimension but the last; the last is one contiguous run.
  std::vector<std::int64_t> index(ndim, 0);
  while (true) {
    std::int64_t s = 0, d = 0;
    for (std::size_t k = 0; k < ndim; ++k) {
      s += (src_lo[k] + index[k]) * src_strides[k];
      d += (dst_lo[k] + index[k]) * dst_strides[k];
    }
    std::memcpy(static_cast<char*>(dst) + d * element_size,
                static_cast<const char*>(src) + s * element_size, run);
    std::size_t k = ndim - 1;
    while (k-- > 0) {
      if (++index[k] < extent[k]) break;
      index[k] = 0;
    }
    if (k == static_cast<std::size_t>(-1)) return;
  }
}

}  // namespace tessera::detail
