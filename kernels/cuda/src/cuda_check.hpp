// Internal: turns CUDA runtime errors into exceptions, and scopes a change of current device.
#pragma once

#include <cuda.h>  // CUcontext and CUresult only: the driver is reached through the runtime
#include <cuda_runtime_api.h>

#include <stdexcept>
#include <string>

namespace tessera::kernels::detail {

// Throws std::runtime_error naming `what` and CUDA's message if `status` is an error. A failed
// call also leaves its error as the thread's last error, which the next launch check
// (cudaGetLastError) would report as its own: after an out-of-memory, say, the next kernel would
// seem to fail. So it is cleared here. Sticky errors (a kernel fault) cannot be cleared and keep
// being reported by every call, as they must.
inline void cuda_check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    cudaGetLastError();
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorString(status));
  }
}

// Whether the calling thread has a current CUDA context, i.e. has chosen a device (cudaSetDevice,
// or a runtime call that bound one). The runtime cannot say (cudaGetDevice gives 0 on a thread
// that never chose), so the driver's cuCtxGetCurrent is asked, through the runtime's entry-point
// table: nothing links libcuda, which machines without a driver lack. True when it cannot tell.
inline bool thread_has_context() {
  using GetCurrent = CUresult (*)(CUcontext*);
  static const GetCurrent get_current = [] {
    void* fn = nullptr;
    cudaDriverEntryPointQueryResult found{};
    if (cudaGetDriverEntryPointByVersion("cuCtxGetCurrent", &fn, 12000, cudaEnableDefault,
                                         &found) != cudaSuccess ||
        found != cudaDriverEntryPointSuccess) {
      cudaGetLastError();
      fn = nullptr;
    }
    return reinterpret_cast<GetCurrent>(fn);
  }();
  if (get_current == nullptr) return true;
  CUcontext context = nullptr;
  return get_current(&context) != CUDA_SUCCESS || context != nullptr;
}

// Makes `device` current for the calling thread and, on exit, restores the device the thread had
// chosen before, so callers (scheduler threads) never see their current device change under them.
// A thread that had chosen none is left on `device`: restoring "device 0" there would create a
// context on device 0 (cudaSetDevice initializes one since CUDA 12) while working on device N.
class CudaDeviceScope {
 public:
  explicit CudaDeviceScope(int device) {
    int current = 0;
    cuda_check(cudaGetDevice(&current), "cudaGetDevice");
    if (current == device) return;
    // cudaGetDevice's 0 is also what a thread that never chose reads; any other value was chosen.
    if (current != 0 || thread_has_context()) restore_ = current;
    cuda_check(cudaSetDevice(device), "cudaSetDevice");
  }
  ~CudaDeviceScope() {
    if (restore_ >= 0 && cudaSetDevice(restore_) != cudaSuccess) cudaGetLastError();
  }
  CudaDeviceScope(const CudaDeviceScope&) = delete;
  CudaDeviceScope& operator=(const CudaDeviceScope&) = delete;

 private:
  int restore_ = -1;  // the device to make current again, or -1 for none
};

}  // namespace tessera::kernels::detail
