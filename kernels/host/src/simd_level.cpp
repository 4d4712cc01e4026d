// Run-time detection of the instruction sets behind SimdLevel.
#include "simd_level.hpp"

namespace tessera::kernels::host {

bool simd_level_supported(SimdLevel level) noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init();
  switch (level) {
    case SimdLevel::avx512:
      return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    case SimdLevel::avx2:
      return __builtin_cpu_supports("avx2");
    case SimdLevel::generic:
      return true;
  }
  return false;
#else
  return level == SimdLevel::generic;
#endif
}

SimdLevel best_simd_level() noexcept {
  static const SimdLevel best = simd_level_supported(SimdLevel::avx512) ? SimdLevel::avx512
                                : simd_level_supported(SimdLevel::avx2) ? SimdLevel::avx2
                                                                        : SimdLevel::generic;
  return best;
}

}  // namespace tessera::kernels::host
