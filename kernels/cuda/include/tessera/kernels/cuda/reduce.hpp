// Fused reductions on a GPU: the CUDA counterpart of tessera/kernels/host/reduce.hpp, with the
// same signature. Plain C++, includable without CUDA headers; in builds without CUDA it throws.
#pragma once

#include "tessera/kernels/cuda/place.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::cuda {

/// host::reduce on the GPU: one Partial per element of the box's projection onto the kept axes
/// (reduce_axis[d] false; nullptr reduces every axis), row-major, written to host memory
/// `host_out`. Each output's elements combine in the fixed order of reduce_order.hpp, so the bits
/// depend only on the program and the box, never on the device or the grid: host::reduce follows
/// the same order, so a chunk gives the same bits on every backend. Blocks until the result is
/// there. Throws std::invalid_argument on a bad program or box, std::runtime_error on CUDA errors.
void reduce(const Place& place, const Program& program, const Box& box, const bool* reduce_axis,
            ReduceOp op, Partial* host_out);

}  // namespace tessera::kernels::cuda
