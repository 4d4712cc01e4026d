#include "tessera/ndarray.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <numeric>

namespace tessera {

NDArray::NDArray(Shape shape, DType dtype) : shape_(std::move(shape)), dtype_(dtype) {
  for (std::int64_t extent : shape_)
    if (extent < 0)
      throw std::invalid_argument(fmt::format("invalid shape: negative extent {}", extent));
  // 64-byte aligned for the vector kernels; at least one byte so data() is never null.
  const std::size_t bytes = (std::max<std::size_t>(nbytes(), 1) + 63) / 64 * 64;
  void* memory = std::aligned_alloc(64, bytes);
  if (!memory) throw std::bad_alloc();
  owner_ = std::shared_ptr<void>(memory, &std::free);
  data_ = memory;
}

NDArray::NDArray(Shape shape, DType dtype, std::shared_ptr<void> owner, void* data)
    : shape_(std::move(shape)), dtype_(dtype), owner_(std::move(owner)), data_(data) {}

std::int64_t NDArray::size() const noexcept {
  return std::accumulate(shape_.begin(), shape_.end(), std::int64_t{1}, std::multiplies<>());
}

double NDArray::element_as_double(std::int64_t i) const {
  if (i < 0 || i >= size())
    throw std::out_of_range(fmt::format("element {} of an array of {} elements", i, size()));
  switch (dtype_) {
    case DType::boolean:
      return static_cast<const bool*>(data_)[i] ? 1.0 : 0.0;
    case DType::int64:
      return static_cast<double>(static_cast<const std::int64_t*>(data_)[i]);
    case DType::float32:
      return static_cast<const float*>(data_)[i];
    case DType::float64:
      break;
  }
  return static_cast<const double*>(data_)[i];
}

void NDArray::check_type(DType wanted) const {
  if (wanted != dtype_)
    throw std::invalid_argument(
        fmt::format("data<{}>() on an array of dtype {}", dtype_name(wanted), dtype_name(dtype_)));
}

}  // namespace tessera
