// Internal: device memory for a kernel call's temporaries (reduction partials), allocated and
// freed in stream order from a memory pool the kernels keep per device, and owned by an RAII
// object so that no error path leaks it.
//
// The pool keeps up to kScratchRetainedBytes reserved after a stream synchronizes (a pool's
// default threshold is 0: every synchronization would hand the memory back to the driver and the
// next call would map it again), so repeated calls cost no driver allocation. It is a pool of
// our own, not the device's default pool, so other code's cudaMallocAsync keeps its settings.
#pragma once

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>

#include "cuda_check.hpp"

namespace tessera::kernels::detail {

/// Bytes of scratch the pools keep reserved between calls (the lane partials of one reduction
/// batch are 32 MiB).
inline constexpr std::uint64_t kScratchRetainedBytes = std::uint64_t{64} << 20;

/// The kernels' scratch pool on `device`, created on first use (thread-safe) and kept for the
/// life of the process.
inline cudaMemPool_t scratch_pool(int device) {
  static std::mutex mutex;
  static std::map<int, cudaMemPool_t> pools;
  const std::lock_guard<std::mutex> lock(mutex);
  if (const auto hit = pools.find(device); hit != pools.end()) return hit->second;
  cudaMemPoolProps props{};
  props.allocType = cudaMemAllocationTypePinned;
  props.handleTypes = cudaMemHandleTypeNone;
  props.location.type = cudaMemLocationTypeDevice;
  props.location.id = device;
  cudaMemPool_t pool = nullptr;
  cuda_check(cudaMemPoolCreate(&pool, &props), "cudaMemPoolCreate");
  std::uint64_t retain = kScratchRetainedBytes;
  const cudaError_t status =
      cudaMemPoolSetAttribute(pool, cudaMemPoolAttrReleaseThreshold, &retain);
  if (status != cudaSuccess) {
    cudaMemPoolDestroy(pool);
    cuda_check(status, "cudaMemPoolSetAttribute");
  }
  pools.emplace(device, pool);
  return pool;
}

/// `count` objects of T in device memory, allocated in `stream` from scratch_pool(device) and
/// freed in `stream` when destroyed: usable by work queued in `stream` after construction and
/// before destruction. count 0 allocates nothing.
template <class T>
class DeviceScratch {
 public:
  DeviceScratch(int device, cudaStream_t stream, std::int64_t count) : stream_(stream) {
    if (count <= 0) return;
    cuda_check(cudaMallocFromPoolAsync(reinterpret_cast<void**>(&data_),
                                       sizeof(T) * static_cast<std::size_t>(count),
                                       scratch_pool(device), stream),
               "cudaMallocFromPoolAsync");
  }
  ~DeviceScratch() {
    // A destructor cannot throw; a failed free means the context is already broken (a sticky
    // error the caller is reporting), so it is cleared and dropped.
    if (data_ != nullptr && cudaFreeAsync(data_, stream_) != cudaSuccess) cudaGetLastError();
  }
  DeviceScratch(const DeviceScratch&) = delete;
  DeviceScratch& operator=(const DeviceScratch&) = delete;

  T* get() const { return data_; }

 private:
  cudaStream_t stream_;
  T* data_ = nullptr;
};

}  // namespace tessera::kernels::detail
