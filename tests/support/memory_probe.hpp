#pragma once
// Peak resident memory of this process, for tests that bound memory: VmHWM from /proc, which
// writing "5" to /proc/self/clear_refs resets (Linux 4.0 and later).

#include <fstream>
#include <string>

#include "process_resources.hpp"

namespace tessera::test_support {

/// Resets the peak to the current resident size; false where the kernel does not allow it.
inline bool reset_peak_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  return static_cast<bool>(clear << "5");
}

/// The peak resident size in KiB since start or the last reset, or -1.
inline long peak_memory_kib() {
  return status_field("VmHWM");
}

}  // namespace tessera::test_support
