// Internal: the instruction sets the host kernels have hand-vectorized code for, and which one the
// running CPU can execute. Kernels for each level are compiled with per-function target
// attributes and picked at run time, so one binary runs fast on AVX-512, AVX2 and older CPUs.
#pragma once

namespace tessera::kernels::detail {

// Instruction sets with a dedicated kernel. avx512 means AVX-512 F and DQ (every AVX-512 CPU
// since Skylake-SP, and Zen 4); avx2 means AVX2.
enum class SimdLevel { generic, avx2, avx512 };

// Whether the running CPU (and OS) can execute `level`.
bool simd_level_supported(SimdLevel level) noexcept;

// The fastest level the running CPU supports.
SimdLevel best_simd_level() noexcept;

}  // namespace tessera::kernels::detail
