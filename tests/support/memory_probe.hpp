#pragma once
// Resident memory of this process, for tests that bound memory: VmRSS and its peak VmHWM from
// /proc; writing "5" to /proc/self/clear_refs resets the peak (Linux 4.0 and later).

#include <cstdint>
#include <fstream>
#include <string>

#include "process_resources.hpp"

namespace tessera::test_support {

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// Shadow memory and allocator quarantines make resident size move on its own.
inline constexpr bool resident_size_is_meaningful = false;
#else
inline constexpr bool resident_size_is_meaningful = true;
#endif

/// Resets the peak to the current resident size; false where the kernel does not allow it.
inline bool reset_peak_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  return static_cast<bool>(clear << "5");
}

/// The peak resident size in KiB since start or the last reset, or -1.
inline long peak_memory_kib() {
  return status_field("VmHWM");
}

/// The resident size in bytes now, or 0 where /proc does not say.
inline std::uint64_t resident_bytes() {
  const long kib = status_field("VmRSS");
  return kib > 0 ? static_cast<std::uint64_t>(kib) * 1024 : 0;
}

}  // namespace tessera::test_support
