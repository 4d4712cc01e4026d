// GPU discovery and streams for the scheduler's GPU workers. Plain C++ (streams are void*), so it
// compiles without CUDA headers; in builds without CUDA the count is 0 and the rest throws.
#pragma once

#include <cstddef>
#include <string>

namespace tessera::kernels {

// What the scheduler and `tessera info` show about one GPU.
struct CudaDeviceInfo {
  int index;
  std::string name;
  std::size_t total_memory;  // bytes
  int multiprocessors;
};

// Device memory as the driver reports it now (for the dashboard).
struct CudaMemoryInfo {
  std::size_t free;   // bytes
  std::size_t total;  // bytes
};

// Number of usable CUDA devices; 0 when there is no GPU, no driver, or no CUDA in this build.
int cuda_device_count() noexcept;

// Name, memory and SM count of device `device`; throws std::runtime_error on failure.
CudaDeviceInfo cuda_device_info(int device);

// Free and total memory of device `device` (cudaMemGetInfo); throws std::runtime_error on failure.
CudaMemoryInfo cuda_memory_info(int device);

// A new non-blocking stream on `device` (a cudaStream_t); throws std::runtime_error on failure.
void* cuda_create_stream(int device);

// Destroys a stream made by cuda_create_stream(device); throws std::runtime_error on failure.
void cuda_destroy_stream(int device, void* stream);

}  // namespace tessera::kernels
