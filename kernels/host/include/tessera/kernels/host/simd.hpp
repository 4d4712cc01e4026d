// The host kernels at a chosen instruction set. evaluate, reduce, generate and pi_hits run the
// hand-vectorized kernels of the fastest level the CPU supports (compiled with per-function
// target attributes and picked at run time, so one binary runs fast on AVX-512, AVX2 and older
// CPUs); these entry points take the level instead, so that tests can check that every level
// gives the same bits and benchmarks can measure each. They run on the calling thread.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tessera/kernels/pi_hits.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::host {

/// Instruction sets with a kernel of their own. avx512 means AVX-512 F and DQ (every AVX-512 CPU
/// since Skylake-SP, and Zen 4); avx2 means AVX2; generic is plain C++.
enum class SimdLevel { generic, avx2, avx512 };

/// Whether the running CPU (and OS) can execute `level`.
bool simd_level_supported(SimdLevel level) noexcept;

/// The fastest level the running CPU supports: the one the kernels use.
SimdLevel best_simd_level() noexcept;

// Each of the following requires a supported `level` and otherwise keeps the contract of the
// function it stands for.

/// evaluate (evaluate.hpp) with the kernels of `level`.
void evaluate_at(const Program& program, const Box& box, DType out_type, void* out,
                 SimdLevel level);

/// reduce (reduce.hpp) with the kernels of `level`.
void reduce_at(const Program& program, const Box& box, const bool* reduce_axis, ReduceOp op,
               Partial* out, SimdLevel level);

/// Hits of the samples in `range` under `seed` (pi_hits.hpp) with the kernel of `level`; equals
/// count_pi_hits_scalar bit for bit.
std::uint64_t pi_hits_at(std::uint64_t seed, const PiSampleRange& range, SimdLevel level);

/// out[k] = uniform_double(seed, first + k) for k < n (philox.hpp) with the kernel of `level`.
void uniform_run_at(std::uint64_t seed, std::uint64_t first, std::size_t n, double* out,
                    SimdLevel level);

/// out[r * ld + c] = uniform_double(seed, base + c * col_stride + r) for r < rows, c < cols: a
/// tile whose rows are the fastest direction of the stream. base and col_stride must be even
/// (then rows r and r + 1 of a column share a Philox block for even r) and every index >= 0.
void uniform_columns_at(std::uint64_t seed, std::uint64_t base, std::int64_t col_stride, int rows,
                        int cols, double* out, std::size_t ld, SimdLevel level);

}  // namespace tessera::kernels::host
