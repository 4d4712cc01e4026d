#pragma once
// A computed array in host memory: what compute() returns (a numpy.ndarray, row-major).

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/dtype.hpp"

namespace tessera {

using Shape = std::vector<std::int64_t>;

/// Row-major host array owning (or sharing) its bytes.
class NDArray {
 public:
  NDArray() = default;
  /// Allocates an uninitialized array.
  NDArray(Shape shape, DType dtype);
  /// Shares existing bytes (kept alive by `owner`).
  NDArray(Shape shape, DType dtype, std::shared_ptr<void> owner, void* data);

  const Shape& shape() const noexcept { return shape_; }
  DType dtype() const noexcept { return dtype_; }
  int ndim() const noexcept { return static_cast<int>(shape_.size()); }
  std::int64_t size() const noexcept;
  std::size_t nbytes() const noexcept {
    return static_cast<std::size_t>(size()) * dtype_size(dtype_);
  }
  void* raw() noexcept { return data_; }
  const void* raw() const noexcept { return data_; }
  const std::shared_ptr<void>& owner() const noexcept { return owner_; }

  /// The elements as T; throws std::invalid_argument when T is not the dtype.
  template <class T>
  T* data() {
    check_type(dtype_of<T>());
    return static_cast<T*>(data_);
  }
  template <class T>
  const T* data() const {
    check_type(dtype_of<T>());
    return static_cast<const T*>(data_);
  }
  /// The single element of a 0-d (or size-1) array, converted to T.
  template <class T>
  T item() const {
    if (size() != 1)
      throw std::invalid_argument("item() needs a single element, array has " +
                                  std::to_string(size()));
    switch (dtype_) {
      case DType::boolean:
        return static_cast<T>(*static_cast<const bool*>(data_));
      case DType::int64:
        return static_cast<T>(*static_cast<const std::int64_t*>(data_));
      case DType::float32:
        return static_cast<T>(*static_cast<const float*>(data_));
      case DType::float64:
        break;
    }
    return static_cast<T>(*static_cast<const double*>(data_));
  }
  /// Element i (row-major flat index) converted to double.
  double element_as_double(std::int64_t i) const;

 private:
  void check_type(DType wanted) const;
  Shape shape_;
  DType dtype_ = DType::float64;
  std::shared_ptr<void> owner_;
  void* data_ = nullptr;
};

}  // namespace tessera
