// Fused array kernels on the CPU: evaluate a Program (program.hpp) over a box on a Kokkos
// DefaultHostExecutionSpace instance. Free of Kokkos headers on purpose. The CUDA counterpart is
// tessera/kernels/cuda/evaluate.hpp, with the same signature.
//
// Results equal the reference semantics of program_eval.hpp: evaluate gives exactly the bits of
// evaluate_element at every element. Safe to call from several threads at once; throws
// std::invalid_argument (from validate()) on a malformed program or an empty box.
#pragma once

#include "tessera/kernels/host/place.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::host {

/// Writes every element of `box` to `out` (dtype `out_type`), row-major over the box (last
/// dimension fastest): bool as one byte (nonzero -> 1), int64 by truncation (NaN and out of range:
/// INT64_MIN) or, for a program yielding int64 lanes, exactly, float32 rounded to nearest.
void evaluate(const Place& place, const Program& program, const Box& box, DType out_type,
              void* out);

}  // namespace tessera::kernels::host
