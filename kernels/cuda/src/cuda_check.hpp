// Internal: turns CUDA runtime errors into exceptions, and scopes a change of current device.
#pragma once

#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace tessera::kernels::detail {

// Throws std::runtime_error naming `what` and CUDA's message if `status` is an error.
inline void cuda_check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
  }
}

// Makes `device` current for the calling thread and restores the previous device on exit, so
// callers (scheduler threads) never see their current device change under them.
class CudaDeviceScope {
 public:
  explicit CudaDeviceScope(int device) {
    cuda_check(cudaGetDevice(&previous_), "cudaGetDevice");
    if (device != previous_) cuda_check(cudaSetDevice(device), "cudaSetDevice");
  }
  ~CudaDeviceScope() { cudaSetDevice(previous_); }
  CudaDeviceScope(const CudaDeviceScope&) = delete;
  CudaDeviceScope& operator=(const CudaDeviceScope&) = delete;

 private:
  int previous_ = 0;
};

}  // namespace tessera::kernels::detail
