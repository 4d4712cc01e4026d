// Fused array kernels on a GPU: the CUDA counterpart of tessera/kernels/host/evaluate.hpp, with
// the same signature, running the same per-element semantics (program_eval.hpp, one thread per
// element; 2-D programs that read a buffer transposed go through shared-memory tiles). Plain C++
// (streams are void*), includable without CUDA headers; in builds without CUDA it throws.
//
// Leaves of type load_buffer must point to device memory of `place.device`. Results equal the
// host kernels bit for bit for programs built from arithmetic, comparisons and casts; exp, log,
// sin, cos, pow and normal leaves use CUDA's libm, which may differ from glibc's by an ulp or two.
#pragma once

#include "tessera/kernels/cuda/place.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::cuda {

/// Writes every element of `box` to device memory `out` (dtype `out_type`, row-major over the box,
/// converted as host::evaluate does). Asynchronous in `place.stream`. Throws
/// std::invalid_argument on a bad program or box (validate()), std::runtime_error on CUDA errors.
void evaluate(const Place& place, const Program& program, const Box& box, DType out_type,
              void* out);

}  // namespace tessera::kernels::cuda
