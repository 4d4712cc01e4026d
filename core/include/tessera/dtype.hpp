#pragma once
// Element types (NumPy's names) and their promotion rules.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>

#include "tessera/kernels/dtype.hpp"

namespace tessera {

using DType = kernels::DType;

/// "bool", "int64", "float32", "float64".
std::string_view dtype_name(DType dtype);
/// Parses a dtype name (also "f8", "float", "i8", "int", "f4", "?"); throws naming bad text.
DType parse_dtype(std::string_view name);
/// Bytes per element.
std::size_t dtype_size(DType dtype);
/// The dtype of a op b under NumPy's rules for arrays (bool < int64 < float32 < float64;
/// int64 with float32 gives float64).
DType promote(DType a, DType b);
/// True for float32 and float64.
bool is_floating(DType dtype);

/// The DType of a C++ element type.
template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, bool>)
    return DType::boolean;
  else if constexpr (std::is_same_v<T, std::int64_t>)
    return DType::int64;
  else if constexpr (std::is_same_v<T, float>)
    return DType::float32;
  else {
    static_assert(std::is_same_v<T, double>, "element types: bool, std::int64_t, float, double");
    return DType::float64;
  }
}

}  // namespace tessera
