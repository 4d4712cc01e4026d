// Fused array kernels on the CPU: evaluate a Program (program.hpp) over a box, or reduce it to
// partials, on a Kokkos DefaultHostExecutionSpace instance. Free of Kokkos headers on purpose.
//
// Results equal the reference semantics of program_eval.hpp: evaluate_host gives exactly the bits
// of evaluate_element at every element; reductions combine each output's elements in the fixed
// order of reduce_order.hpp, which depends only on the program and the box (never on threads) and
// which reduce_cuda follows too, so a call always gives the same bits, the GPU's included. All
// functions are safe to call from several threads at once and throw std::invalid_argument (from
// validate()) on a malformed program or an empty box.
#pragma once

#include <cstdint>

#include "tessera/kernels/kokkos_runtime.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels {

/// Writes every element of `box` to `out` (dtype `out_type`), row-major over the box (last
/// dimension fastest): bool as one byte (nonzero -> 1), int64 by truncation (NaN and out of range:
/// INT64_MIN) or, for a program yielding int64 lanes, exactly, float32 rounded to nearest.
void evaluate_host(const Program& program, const Box& box, DType out_type, void* out);

/// Reduces the program over the box's axes d with reduce_axis[d] (nullptr: all axes) and writes
/// one Partial per element of the box's projection onto the kept axes, row-major over the kept
/// axes in box order (a full reduction writes exactly one Partial).
void reduce_host(const Program& program, const Box& box, const bool* reduce_axis, ReduceOp op,
                 Partial* out);

/// out[k] = uniform_double(seed, first + k) for k < n (cuRAND's Philox doubles; philox.hpp),
/// vectorized for the running CPU.
void generate_uniform_host(std::uint64_t seed, std::uint64_t first, std::uint64_t n, double* out);

}  // namespace tessera::kernels
