// Internal: cuda::evaluate's path for 2-D programs that read a buffer transposed, through
// shared-memory tiles (the index math and the per-thread phases are in transpose_tiles.hpp).
#pragma once

#include <cuda_runtime_api.h>

#include "tessera/kernels/program.hpp"
#include "tessera/kernels/transpose_tiles.hpp"

namespace tessera::kernels::detail {

// Evaluates a valid 2-D `program` over `box` into device memory `out` (dtype out_type,
// row-major), staging the leaves `staged` (staged_leaves(program), count > 0) through shared
// memory. Asynchronous in `stream`; throws std::runtime_error when the launch fails. The device
// must be current.
void evaluate_transposed(int device, cudaStream_t stream, const Program& program,
                         const StagedLeaves& staged, const Box& box, DType out_type, void* out);

}  // namespace tessera::kernels::detail
