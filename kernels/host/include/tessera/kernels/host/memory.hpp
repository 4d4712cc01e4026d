// Memory the host kernels read and write: plain host memory. The same functions as
// tessera/kernels/cuda/memory.hpp, so code written over backends (the kernel tests) allocates,
// copies and waits the same way on each.
#pragma once

#include <cstddef>

#include "tessera/kernels/host/place.hpp"

namespace tessera::kernels::host {

/// `bytes` of host memory, aligned for any kernel output; throws std::bad_alloc on failure.
void* allocate(const Place& place, std::size_t bytes);

/// Frees memory from allocate (nullptr: nothing).
void release(const Place& place, void* pointer) noexcept;

/// Copies `bytes` between host buffers.
void copy(const Place& place, void* to, const void* from, std::size_t bytes);

/// Waits until the kernels called with `place` have finished: they are synchronous, so nothing.
void synchronize(const Place& place);

}  // namespace tessera::kernels::host
