#pragma once
// Peak resident memory of this process, for tests that bound memory: VmHWM from /proc, which
// writing "5" to /proc/self/clear_refs resets (Linux 4.0 and later).

#include <fstream>
#include <string>

namespace tessera::test_support {

/// Resets the peak to the current resident size; false where the kernel does not allow it.
inline bool reset_peak_memory() {
  std::ofstream clear("/proc/self/clear_refs");
  return static_cast<bool>(clear << "5");
}

/// The peak resident size in KiB since start or the last reset, or -1.
inline long peak_memory_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

}  // namespace tessera::test_support
