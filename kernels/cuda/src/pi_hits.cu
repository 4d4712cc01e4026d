// cuda::pi_hits: one fused kernel. Each thread walks its grid-stride share of Philox blocks
// (for_each_thread_block, shared with the CPU tests), draws them with cuRAND's device Philox in
// registers, and counts hits; CUB reduces the block's counts and one atomicAdd per block adds them.
#include <cuda_runtime.h>
#include <curand_philox4x32_x.h>

#include <algorithm>
#include <cub/block/block_reduce.cuh>
#include <stdexcept>
#include <string>

#include "cuda_check.hpp"
#include "tessera/kernels/cuda/pi_hits.hpp"
#include "tessera/kernels/pi_thread_work.hpp"

namespace tessera::kernels::cuda {
namespace {

constexpr int kThreadsPerBlock = 256;

// Philox blocks from cuRAND's own device function, in the host generator's layout; equal to
// PhiloxBlocks (the GPU test compares with the CPU count).
struct CurandPhiloxBlocks {
  uint2 key;

  __device__ __forceinline__ Uint4x32 operator()(std::uint64_t block) const {
    const Uint4x32 c = curand_block_counter(block);
    const uint4 r = curand_Philox4x32_10(make_uint4(c.x, c.y, c.z, c.w), key);
    return {r.x, r.y, r.z, r.w};
  }
};

__global__ void __launch_bounds__(kThreadsPerBlock)
    pi_hits_kernel(uint2 key, PiSampleRange range, unsigned long long* hits) {
  using BlockReduce = cub::BlockReduce<unsigned long long, kThreadsPerBlock>;
  __shared__ typename BlockReduce::TempStorage temp;
  const std::uint64_t thread = std::uint64_t{blockIdx.x} * blockDim.x + threadIdx.x;
  const std::uint64_t n_threads = std::uint64_t{gridDim.x} * blockDim.x;
  const unsigned long long mine =
      count_pi_hits_thread(CurandPhiloxBlocks{key}, range, thread, n_threads);
  const unsigned long long block_hits = BlockReduce(temp).Sum(mine);
  if (threadIdx.x == 0 && block_hits != 0) atomicAdd(hits, block_hits);
}

// Enough blocks to fill every SM at full occupancy, but no more than there is work for.
unsigned grid_size(int device, std::uint64_t n_philox_blocks) {
  int sms = 0;
  int blocks_per_sm = 0;
  detail::cuda_check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
                     "cudaDeviceGetAttribute");
  detail::cuda_check(cudaOccupancyMaxActiveBlocksPerMultiprocessor(&blocks_per_sm, pi_hits_kernel,
                                                                   kThreadsPerBlock, 0),
                     "cudaOccupancyMaxActiveBlocksPerMultiprocessor");
  const std::uint64_t full = std::uint64_t(std::max(sms, 1)) * std::max(blocks_per_sm, 1);
  const std::uint64_t needed = (n_philox_blocks + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned>(std::max<std::uint64_t>(1, std::min(full, needed)));
}

}  // namespace

std::uint64_t pi_hits(const Place& place, std::uint64_t seed, std::uint64_t first_sample,
                      std::uint64_t n_samples) {
  const int device = place.device;
  if (n_samples > ~std::uint64_t{0} - first_sample) {
    throw std::out_of_range("cuda::pi_hits: samples [" + std::to_string(first_sample) + ", +" +
                            std::to_string(n_samples) + ") pass 2^64");
  }
  if (n_samples == 0) return 0;
  const detail::CudaDeviceScope scope(device);
  const auto s = static_cast<cudaStream_t>(place.stream);
  const PiSampleRange range{first_sample, first_sample + n_samples};
  const Uint2x32 key = philox_key(seed);
  const unsigned grid = grid_size(device, range.end_block() - range.first_block());

  unsigned long long* d_hits = nullptr;
  detail::cuda_check(cudaMallocAsync(&d_hits, sizeof(*d_hits), s), "cudaMallocAsync");
  unsigned long long hits = 0;
  cudaError_t status = cudaMemsetAsync(d_hits, 0, sizeof(*d_hits), s);
  if (status == cudaSuccess) {
    pi_hits_kernel<<<grid, kThreadsPerBlock, 0, s>>>(make_uint2(key.x, key.y), range, d_hits);
    status = cudaGetLastError();
  }
  if (status == cudaSuccess) {
    status = cudaMemcpyAsync(&hits, d_hits, sizeof(hits), cudaMemcpyDeviceToHost, s);
  }
  const cudaError_t free_status = cudaFreeAsync(d_hits, s);
  const cudaError_t sync_status = cudaStreamSynchronize(s);
  detail::cuda_check(status, "cuda::pi_hits");
  detail::cuda_check(free_status, "cudaFreeAsync");
  detail::cuda_check(sync_status, "cudaStreamSynchronize");
  return hits;
}

}  // namespace tessera::kernels::cuda
