#pragma once
// Chunks of a known pattern in a host-backed stand-in for device memory, shared by the device
// tier's tests (test_device_tier.cpp) and the device workers' (test_device_results.cpp).

#include <cstdint>
#include <memory>

#include "host_device_memory.hpp"
#include "tessera/tessera.hpp"

namespace tessera::test_support {

inline constexpr std::uint64_t MiB = 1 << 20;
inline constexpr std::int64_t doubles_per_mib = MiB / sizeof(double);

// The value every element k of chunk `id` holds: distinct per chunk and per element.
inline double pattern(int id, std::int64_t k) {
  return id * 1e7 + static_cast<double>(k) * 0.5;
}

// A 1 MiB chunk on `memory`, held by `owner`, filled with chunk `id`'s pattern.
inline std::shared_ptr<DeviceArray> device_chunk(const std::shared_ptr<HostDeviceMemory>& memory,
                                                 int owner, int id) {
  auto chunk = std::make_shared<DeviceArray>(memory, Shape{doubles_per_mib}, DType::float64, owner);
  auto* data = static_cast<double*>(chunk->data());  // host-backed: writable from here
  for (std::int64_t k = 0; k < doubles_per_mib; ++k) data[k] = pattern(id, k);
  return chunk;
}

// True if `array` holds chunk `id`'s pattern exactly.
inline bool holds(const NDArray& array, int id) {
  if (array.shape() != Shape{doubles_per_mib} || array.dtype() != DType::float64) return false;
  const double* data = static_cast<const double*>(array.raw());
  for (std::int64_t k = 0; k < doubles_per_mib; ++k)
    if (data[k] != pattern(id, k)) return false;
  return true;
}

}  // namespace tessera::test_support
