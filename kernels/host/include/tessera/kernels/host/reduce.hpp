// Fused reductions on the CPU (Kokkos host space; free of Kokkos headers). The CUDA counterpart is
// tessera/kernels/cuda/reduce.hpp, with the same signature.
//
// Each output's elements combine in the fixed order of reduce_order.hpp, which depends only on the
// program and the box (never on threads) and which cuda::reduce follows too, so a call always
// gives the same bits, the GPU's included. Safe to call from several threads at once; throws
// std::invalid_argument (from validate()) on a malformed program or an empty box.
#pragma once

#include "tessera/kernels/host/place.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::host {

/// Reduces the program over the box's axes d with reduce_axis[d] (nullptr: all axes) and writes
/// one Partial per element of the box's projection onto the kept axes to host memory `host_out`,
/// row-major over the kept axes in box order (a full reduction writes exactly one Partial).
void reduce(const Place& place, const Program& program, const Box& box, const bool* reduce_axis,
            ReduceOp op, Partial* host_out);

}  // namespace tessera::kernels::host
