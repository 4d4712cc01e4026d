#pragma once
// What this process holds now, for tests that check nothing leaks: its threads and open file
// descriptors as /proc lists them, and the heap bytes in use as the allocator counts them.

#include <malloc.h>

#include <cstddef>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// From <sanitizer/allocator_interface.h>, which GCC does not install.
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace tessera::test_support {

/// A field of /proc/self/status ("Threads", "VmSize", "VmHWM"): its number, or -1.
inline long status_field(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.starts_with(field + ":")) return std::stol(line.substr(field.size() + 1));
  return -1;
}

/// Entries of a /proc directory (each thread of the process, each open descriptor).
inline std::size_t proc_entries(const char* directory) {
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(directory)) ++count;
  return count;
}

/// Threads of this process now.
inline std::size_t thread_count() {
  return proc_entries("/proc/self/task");
}

/// Open file descriptors now. Listing /proc/self/fd opens one descriptor itself, the same one
/// every time, so counts taken this way compare exactly.
inline std::size_t open_fd_count() {
  return proc_entries("/proc/self/fd");
}

/// The open descriptors and what each refers to, for a message when one leaked.
inline std::string open_fd_targets() {
  std::string targets;
  std::error_code ignored;  // a descriptor may close while it is listed
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd"))
    targets += entry.path().filename().string() + " -> " +
               std::filesystem::read_symlink(entry.path(), ignored).string() + "\n";
  return targets;
}

/// Whether heap_bytes() counts exactly: the sanitizers' allocators count every live byte; glibc's
/// mallinfo2 also counts chunks parked in each thread's cache (tcache) as in use.
inline constexpr bool heap_bytes_exact =
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
    true;
#else
    false;
#endif

/// Heap bytes the program holds now (malloc and operator new alike).
inline std::size_t heap_bytes() {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  return __sanitizer_get_current_allocated_bytes();
#else
  const struct mallinfo2 info = ::mallinfo2();
  return info.uordblks + info.hblkhd;  // small chunks in use + chunks mapped on their own
#endif
}

}  // namespace tessera::test_support
