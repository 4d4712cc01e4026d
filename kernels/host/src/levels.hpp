// Internal: host::evaluate and host::reduce with the instruction set chosen by the caller, so tests
// can check that every level gives the same bits.
#pragma once

#include "simd_level.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::detail {

// host::evaluate using the kernels of `level` (which must be supported).
void evaluate_host_at(const Program& program, const Box& box, DType out_type, void* out,
                      SimdLevel level);

// host::reduce using the kernels of `level` (which must be supported).
void reduce_host_at(const Program& program, const Box& box, const bool* reduce_axis, ReduceOp op,
                    Partial* out, SimdLevel level);

}  // namespace tessera::kernels::detail
