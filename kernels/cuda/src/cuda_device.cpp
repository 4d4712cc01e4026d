// Device queries and streams through the CUDA runtime (host code, compiled by the C++ compiler).
#include "tessera/kernels/cuda_device.hpp"

#include <cuda_runtime_api.h>

#include "cuda_check.hpp"

namespace tessera::kernels {

bool cuda_kernels_built() noexcept {
  return true;
}

int cuda_device_count() noexcept {
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the (non-sticky) error so later error checks do not report it
    return 0;
  }
  return count;
}

CudaStatus cuda_status() {
  int count = 0;
  const cudaError_t status = cudaGetDeviceCount(&count);
  if (status == cudaSuccess) return {count, {}};
  cudaGetLastError();                               // as above
  if (status == cudaErrorNoDevice) return {0, {}};  // the one error that means "no GPU here"
  return {0, std::string("cudaGetDeviceCount: ") + cudaGetErrorString(status) + " (" +
                 cudaGetErrorName(status) + ")"};
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

std::string cuda_stream_error(int device, void* stream) noexcept {
  try {
    const detail::CudaDeviceScope scope(device);
    cudaError_t status = cudaStreamQuery(static_cast<cudaStream_t>(stream));
    if (status != cudaSuccess && status != cudaErrorNotReady) {
      // The query may also report an earlier asynchronous error that was not sticky; clearing
      // it and asking again leaves only an error that lasts, i.e. a device that is unusable.
      cudaGetLastError();
      status = cudaStreamQuery(static_cast<cudaStream_t>(stream));
    }
    if (status == cudaSuccess || status == cudaErrorNotReady) return {};
    cudaGetLastError();
    return std::string("cudaStreamQuery: ") + cudaGetErrorString(status);
  } catch (const std::exception& e) {  // the device could not even be made current
    return e.what();
  } catch (...) {
    return "unknown error";
  }
}

}  // namespace tessera::kernels
