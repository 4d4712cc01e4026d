// Internal: the instruction-set levels of tessera/kernels/host/simd.hpp under the names the
// kernels' sources use.
#pragma once

#include "tessera/kernels/host/simd.hpp"

namespace tessera::kernels::detail {

using host::best_simd_level;
using host::simd_level_supported;
using host::SimdLevel;

}  // namespace tessera::kernels::detail
