// cuda::generate_uniform: one thread per Philox block (two doubles), grid-stride.
#include <cuda_runtime.h>

#include "launch.hpp"
#include "tessera/kernels/cuda/generate.hpp"
#include "tessera/kernels/philox.hpp"

namespace tessera::kernels::cuda {
namespace {

__global__ void __launch_bounds__(detail::kThreads)
    uniform_kernel(std::uint64_t seed, std::uint64_t first, std::uint64_t n, double* out) {
  // Thread t makes the two doubles of the block holding doubles (first & ~1) + 2t and + 1.
  const std::uint64_t even_first = first & ~std::uint64_t{1};
  const std::uint64_t pairs = (first + n - even_first + 1) / 2;
  const std::uint64_t stride = std::uint64_t{gridDim.x} * blockDim.x;
  for (std::uint64_t t = std::uint64_t{blockIdx.x} * blockDim.x + threadIdx.x; t < pairs;
       t += stride) {
    const std::uint64_t i = even_first + 2 * t;
    const Uint4x32 u = philox_block(seed, uniform_double_block(i));
    if (i >= first) out[i - first] = uniform_double_from_bits(u.x, u.y);
    if (i + 1 < first + n) out[i + 1 - first] = uniform_double_from_bits(u.z, u.w);
  }
}

}  // namespace

void generate_uniform(const Place& place, std::uint64_t seed, std::uint64_t first, std::uint64_t n,
                      double* out) {
  if (n == 0) return;
  const detail::CudaDeviceScope scope(place.device);
  uniform_kernel<<<detail::grid_for(place.device, static_cast<std::int64_t>(n / 2 + 1)),
                   detail::kThreads, 0, static_cast<cudaStream_t>(place.stream)>>>(seed, first, n,
                                                                                   out);
  detail::check_launch("cuda::generate_uniform");
}

}  // namespace tessera::kernels::cuda
