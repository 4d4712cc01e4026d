// Device memory for the CUDA kernels: the same functions as tessera/kernels/host/memory.hpp. Plain
// C++, includable without CUDA headers; in builds without CUDA every function throws (release:
// does nothing, as nothing can have been allocated).
#pragma once

#include <cstddef>

#include "tessera/kernels/cuda/place.hpp"

namespace tessera::kernels::cuda {

/// `bytes` of device memory on `place.device` (cudaMalloc); throws std::runtime_error on failure.
void* allocate(const Place& place, std::size_t bytes);

/// Frees memory from allocate. Never throws: a failing cudaFree leaves the caller nothing to do.
void release(const Place& place, void* pointer) noexcept;

/// Copies `bytes` between any host and device memory (cudaMemcpy, synchronous).
void copy(const Place& place, void* to, const void* from, std::size_t bytes);

/// Waits until everything queued in `place.stream` on `place.device` has finished.
void synchronize(const Place& place);

}  // namespace tessera::kernels::cuda
