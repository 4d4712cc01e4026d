// Internal: evaluate_host and reduce_host with the instruction set chosen by the caller, so tests
// can check that every level gives the same bits.
#pragma once

#include "simd_level.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::detail {

// evaluate_host using the kernels of `level` (which must be supported).
void evaluate_host_at(const Program& program, const Box& box, DType out_type, void* out,
                      SimdLevel level);

// reduce_host using the kernels of `level` (which must be supported).
void reduce_host_at(const Program& program, const Box& box, const bool* reduce_axis, ReduceOp op,
                    Partial* out, SimdLevel level);

}  // namespace tessera::kernels::detail
