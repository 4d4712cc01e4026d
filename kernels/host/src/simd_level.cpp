// Run-time detection of the instruction sets behind SimdLevel.
#include "simd_level.hpp"

namespace tessera::kernels::detail {

bool simd_level_supported(SimdLevel level) noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (level) {
    case SimdLevel::kAvx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    case SimdLevel::kAvx2:
      return __builtin_cpu_supports("avx2");
    case SimdLevel::kGeneric:
      return true;
  }
  return false;
#else
  return level == SimdLevel::kGeneric;
#endif
}

SimdLevel best_simd_level() noexcept {
  static const SimdLevel best = simd_level_supported(SimdLevel::kAvx512) ? SimdLevel::kAvx512
                                : simd_level_supported(SimdLevel::kAvx2) ? SimdLevel::kAvx2
                                                                         : SimdLevel::kGeneric;
  return best;
}

}  // namespace tessera::kernels::detail
