// The tiled evaluation of 2-D programs with transposed buffer leaves: one block of
// kTransposeTile x kTransposeBlockRows threads per 32 x 32 output tile (grid-stride over the
// tiles), each tile staged through shared memory so that both the buffer reads and the output
// writes are coalesced. A materialized x + x.T reads x's rows for one term and its columns for the
// other; read directly, each warp's column reads would touch 32 cache lines.
#include <cuda_runtime.h>

#include <algorithm>

#include "cuda_check.hpp"
#include "evaluate_transposed.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels::detail {
namespace {

constexpr int kBlockThreads = kTransposeTile * kTransposeBlockRows;

// __grid_constant__: the program and the staging table stay in the kernel parameter space even
// though the per-thread code takes references to them (no per-thread copy of 7 KB).
__global__ void __launch_bounds__(kBlockThreads)
    evaluate_transposed_kernel(__grid_constant__ const Program program,
                               __grid_constant__ const StagedLeaves staged,
                               const TransposeTiles tiles, DType out_type, void* out) {
  extern __shared__ double shared[];  // staged.count tiles of kTransposeTileDoubles
  const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y);
  for (std::int64_t tile = blockIdx.x; tile < tiles.count; tile += gridDim.x) {
    stage_tile(program, staged, tiles, tile, tx, ty, shared);
    __syncthreads();
    evaluate_tile(program, staged, tiles, tile, tx, ty, shared, out_type, out);
    __syncthreads();  // the next tile's staging overwrites the shared tiles
  }
}

}  // namespace

void evaluate_transposed(int device, cudaStream_t stream, const Program& program,
                         const StagedLeaves& staged, const Box& box, DType out_type, void* out) {
  const TransposeTiles tiles = transpose_tiles(box);
  const std::size_t shared_bytes = sizeof(double) * kTransposeTileDoubles * staged.count;
  int sms = 0, blocks_per_sm = 0;
  cuda_check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
             "cudaDeviceGetAttribute");
  cuda_check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(
                 &blocks_per_sm, evaluate_transposed_kernel, kBlockThreads, shared_bytes),
             "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
  // Every SM full, a few waves deep; never more blocks than tiles.
  const std::int64_t full = std::int64_t{std::max(sms, 1)} * std::max(blocks_per_sm, 1) * 4;
  const auto grid = static_cast<unsigned>(std::max<std::int64_t>(1, std::min(full, tiles.count)));
  evaluate_transposed_kernel<<<grid, dim3(kTransposeTile, kTransposeBlockRows), shared_bytes,
                               stream>>>(program, staged, tiles, out_type, out);
  cuda_check(cudaGetLastError(), "cuda::evaluate (transposed tiles)");
}

}  // namespace tessera::kernels::detail
