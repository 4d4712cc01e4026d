#pragma once
// Counts of elements, chunks and bytes in int64 without silent wrap-around: every product and
// sum of extents and sizes goes through these, and a result beyond int64 is std::nullopt for
// the caller to refuse, naming its values.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "tessera/dtype.hpp"
#include "tessera/ndarray.hpp"

namespace tessera::detail {

/// The product of `factors` (1 for none), or nullopt when it does not fit in int64.
inline std::optional<std::int64_t> checked_product(std::span<const std::int64_t> factors) {
  std::int64_t product = 1;
  for (std::int64_t factor : factors)
    if (__builtin_mul_overflow(product, factor, &product)) return std::nullopt;
  return product;
}

/// The sum of `terms` (0 for none), or nullopt when it does not fit in int64.
inline std::optional<std::int64_t> checked_sum(std::span<const std::int64_t> terms) {
  std::int64_t sum = 0;
  for (std::int64_t term : terms)
    if (__builtin_add_overflow(sum, term, &sum)) return std::nullopt;
  return sum;
}

/// The bytes of an array of `shape` and `dtype`, or nullopt when they (or its element count) do
/// not fit in int64, NumPy's limit on an array's size too.
inline std::optional<std::int64_t> checked_nbytes(std::span<const std::int64_t> shape,
                                                  DType dtype) {
  const std::optional<std::int64_t> elements = checked_product(shape);
  if (!elements) return std::nullopt;
  const std::int64_t factor[] = {*elements, static_cast<std::int64_t>(dtype_size(dtype))};
  return checked_product(factor);
}

/// The bytes of an array of `shape` (extents >= 0) and `dtype`; throws std::invalid_argument
/// naming `what`, the shape and the dtype when they (or its element count) exceed int64.
std::int64_t nbytes_or_throw(std::string_view what, const Shape& shape, DType dtype);

}  // namespace tessera::detail
