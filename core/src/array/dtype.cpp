#include "tessera/dtype.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tessera {

std::string_view dtype_name(DType dtype) {
  switch (dtype) {
    case DType::boolean:
      return "bool";
    case DType::int64:
      return "int64";
    case DType::float32:
      return "float32";
    case DType::float64:
      break;
  }
  return "float64";
}

DType parse_dtype(std::string_view name) {
  if (name == "bool" || name == "?" || name == "b1") return DType::boolean;
  if (name == "int64" || name == "int" || name == "i8") return DType::int64;
  if (name == "float32" || name == "f4") return DType::float32;
  if (name == "float64" || name == "float" || name == "f8" || name == "double")
    return DType::float64;
  throw std::invalid_argument(
      fmt::format("invalid dtype '{}': use bool, int64, float32 or float64", name));
}

std::size_t dtype_size(DType dtype) {
  switch (dtype) {
    case DType::boolean:
      return 1;
    case DType::float32:
      return 4;
    case DType::int64:
    case DType::float64:
      break;
  }
  return 8;
}

DType promote(DType a, DType b) {
  if ((a == DType::int64 && b == DType::float32) || (a == DType::float32 && b == DType::int64))
    return DType::float64;
  return static_cast<std::uint8_t>(a) > static_cast<std::uint8_t>(b) ? a : b;
}

bool is_floating(DType dtype) {
  return dtype == DType::float32 || dtype == DType::float64;
}

}  // namespace tessera
