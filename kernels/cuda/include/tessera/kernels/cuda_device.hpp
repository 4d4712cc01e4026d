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

// Whether this build has the CUDA kernels (false where CUDA is off: the functions declared here
// then exist, find no device and throw). What code outside kernels/ asks instead of a
// preprocessor test, so that one build of it serves both.
bool cuda_kernels_built() noexcept;

// Number of usable CUDA devices; 0 when there is no GPU, no driver, or no CUDA in this build.
// It cannot tell "no GPU" from "CUDA is broken here": ask cuda_status() where that matters.
int cuda_device_count() noexcept;

// What cudaGetDeviceCount says. A driver too old for this runtime, a missing libcuda or a device
// the runtime cannot initialize must not read as "no GPU" (GPU tests would skip and pass), so only
// cudaErrorNoDevice, and a build without CUDA, count as none; any other error keeps its text.
struct CudaStatus {
  int count = 0;      // usable devices
  std::string error;  // why CUDA failed ("" when `count` is the truth, 0 included)
  // For messages and test skips: "2 CUDA devices", "no CUDA device" or "CUDA failed: <error>".
  std::string describe() const {
    if (!error.empty()) return "CUDA failed: " + error;
    if (count == 0) return "no CUDA device";
    return std::to_string(count) + (count == 1 ? " CUDA device" : " CUDA devices");
  }
};
CudaStatus cuda_status();

// Name, memory and SM count of device `device`; throws std::runtime_error on failure.
CudaDeviceInfo cuda_device_info(int device);

// Free and total memory of device `device` (cudaMemGetInfo); throws std::runtime_error on failure.
CudaMemoryInfo cuda_memory_info(int device);

// A new non-blocking stream on `device` (a cudaStream_t); throws std::runtime_error on failure.
void* cuda_create_stream(int device);

// Destroys a stream made by cuda_create_stream(device); throws std::runtime_error on failure
// (after a device fault every call, this one too, reports the fault again).
void cuda_destroy_stream(int device, void* stream);

// The lasting error the device reports for `stream` now (cudaStreamQuery), "" when there is none.
// After a kernel fault the device's context is unusable and every call returns the fault
// ("sticky"): a scheduler asks this after a task failed, to tell a broken device from a failed
// task. Never throws: the caller is already handling a failure.
std::string cuda_stream_error(int device, void* stream) noexcept;

}  // namespace tessera::kernels
