#pragma once
// The element types, alone: tessera/dtype.hpp (what users include) and the kernel program types
// both need the enum, and a user naming a dtype should not get the program types with it.

#include <cstdint>

namespace tessera::kernels {

/// Element types of arrays (storage), in NumPy's promotion order.
enum class DType : std::uint8_t { boolean, int64, float32, float64 };

}  // namespace tessera::kernels
