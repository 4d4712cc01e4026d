#pragma once
// Chunks in device memory: what a GPU worker's task returns when its result stays on the GPU,
// and what the scheduler's block store holds in its device tier (spilled device -> host -> disk,
// as dask-cuda's workers do). It is a kind of task result (Value), made by core's tasks and by
// backends' kernels, so it lives in core; the tier that keeps and moves it is the scheduler's.
//
// Device memory is reached through DeviceMemory, one per device: CUDA's in GPU builds, and in
// tests a host-backed stand-in, so the store's device tier and the scheduler's handling of
// device results run (and are tested) on machines without a GPU. Public because a backend a
// program defines (tessera/array_kernels.hpp) returns its chunks as DeviceArrays of its own
// DeviceMemory; how CUDA's memory is made is core's (lowering/cuda_device_memory.hpp).

#include <cstdint>
#include <memory>
#include <string>

#include "tessera/ndarray.hpp"

namespace tessera {

/// One device's allocator and copies.
class DeviceMemory {
 public:
  virtual ~DeviceMemory() = default;
  /// `bytes` of device memory; throws std::runtime_error when the device has none left.
  virtual void* allocate(std::uint64_t bytes) = 0;
  virtual void release(void* pointer) noexcept = 0;
  /// Copies `bytes` from device memory to host memory, synchronously.
  virtual void copy_to_host(void* host, const void* device, std::uint64_t bytes) = 0;
  /// For messages: "cuda:0".
  virtual std::string name() const = 0;
};

/// A chunk in device memory, owning its buffer.
class DeviceArray {
 public:
  /// Allocates a chunk of `shape` and `dtype` in `memory`, held by worker `owner`.
  DeviceArray(std::shared_ptr<DeviceMemory> memory, Shape shape, DType dtype, int owner);
  ~DeviceArray();
  DeviceArray(const DeviceArray&) = delete;
  DeviceArray& operator=(const DeviceArray&) = delete;

  void* data() noexcept { return data_; }
  const void* data() const noexcept { return data_; }
  const Shape& shape() const noexcept { return shape_; }
  DType dtype() const noexcept { return dtype_; }
  std::uint64_t nbytes() const noexcept { return nbytes_; }
  /// The worker whose device holds it.
  int owner() const noexcept { return owner_; }
  const DeviceMemory& memory() const noexcept { return *memory_; }

  /// Bytes a chunk of `shape` and `dtype` takes (throws naming a negative extent).
  static std::uint64_t nbytes_of(const Shape& shape, DType dtype);

  /// A host copy of the chunk.
  NDArray to_host() const;

 private:
  std::shared_ptr<DeviceMemory> memory_;
  Shape shape_;
  DType dtype_;
  std::uint64_t nbytes_;
  int owner_;
  void* data_ = nullptr;
};

}  // namespace tessera
