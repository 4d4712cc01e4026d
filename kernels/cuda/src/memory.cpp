// cuda memory helpers: cudaMalloc, cudaFree and cudaMemcpy on the place's device.
#include "tessera/kernels/cuda/memory.hpp"

#include <cuda_runtime.h>

#include "cuda_check.hpp"

namespace tessera::kernels::cuda {

void* allocate(const Place& place, std::size_t bytes) {
  const detail::CudaDeviceScope scope(place.device);
  void* p = nullptr;
  detail::cuda_check(cudaMalloc(&p, bytes), "cudaMalloc");
  return p;
}

void release(const Place& place, void* pointer) noexcept {
  try {
    const detail::CudaDeviceScope scope(place.device);
    detail::cuda_check(cudaFree(pointer), "cudaFree");
  } catch (...) {  // a failing cudaFree leaves the caller nothing to do; cuda_check cleared it
  }
}

void copy(const Place& place, void* to, const void* from, std::size_t bytes) {
  const detail::CudaDeviceScope scope(place.device);
  detail::cuda_check(cudaMemcpy(to, from, bytes, cudaMemcpyDefault), "cudaMemcpy");
}

void synchronize(const Place& place) {
  const detail::CudaDeviceScope scope(place.device);
  detail::cuda_check(cudaStreamSynchronize(static_cast<cudaStream_t>(place.stream)),
                     "cudaStreamSynchronize");
}

}  // namespace tessera::kernels::cuda
