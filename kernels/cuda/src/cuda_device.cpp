// Device queries and streams through the CUDA runtime (host code, compiled by the C++ compiler).
#include "tessera/kernels/cuda_device.hpp"

#include <cuda_runtime_api.h>

#include "cuda_check.hpp"

namespace tessera::kernels {

int cuda_device_count() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the (non-sticky) error so later error checks do not report it
    return 0;
  }
  return count;
}

CudaDeviceInfo cuda_device_info(int device) {
  cudaDeviceProp props{};
  detail::cuda_check(cudaGetDeviceProperties(&props, device), "cudaGetDeviceProperties");
  return {device, props.name, props.totalGlobalMem, props.multiProcessorCount};
}

CudaMemoryInfo cuda_memory_info(int device) {
  const detail::CudaDeviceScope scope(device);
  std::size_t free = 0, total = 0;
  detail::cuda_check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return {free, total};
}

void* cuda_create_stream(int device) {
  const detail::CudaDeviceScope scope(device);
  cudaStream_t stream = nullptr;
  detail::cuda_check(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking),
                     "cudaStreamCreateWithFlags");
  return stream;
}

void cuda_destroy_stream(int device, void* stream) {
  const detail::CudaDeviceScope scope(device);
  detail::cuda_check(cudaStreamDestroy(static_cast<cudaStream_t>(stream)), "cudaStreamDestroy");
}

}  // namespace tessera::kernels
