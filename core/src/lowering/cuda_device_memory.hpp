#pragma once
// CUDA's DeviceMemory: what the CUDA backend's array kernels allocate device chunks from.

#include <memory>

#include "tessera/device_array.hpp"

namespace tessera::detail {

/// CUDA device `device`'s memory, one shared instance per device. Throws std::runtime_error
/// naming the device in builds without CUDA; allocating on a missing device throws CUDA's error.
std::shared_ptr<DeviceMemory> cuda_device_memory(int device);

}  // namespace tessera::detail
