#pragma once
// An open POSIX file descriptor that closes itself. Every file the core library opens with
// open(2) (.npy files read and written, spill files, spill-folder locks) is held by one, so no
// error path leaks a descriptor, and a close on the way out of an error keeps the errno that
// explains the error. The I/O loops retry interrupted and partial transfers; the callers word
// their own errors, naming what the file is to them.

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace tessera::detail {

class PosixFile {
 public:
  PosixFile() = default;
  /// open(2) of `path` with `flags` (O_CLOEXEC is added) and `mode` for a file it creates.
  /// Check is_open(): when the open failed, errno says why.
  PosixFile(const std::string& path, int flags, mode_t mode = 0600);
  /// Closes the descriptor, if any, leaving errno as it was.
  ~PosixFile();
  PosixFile(PosixFile&& other) noexcept;
  PosixFile& operator=(PosixFile&& other) noexcept;
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  bool is_open() const noexcept { return fd_ >= 0; }
  int fd() const noexcept { return fd_; }

  /// Closes now and reports how that went: false, with errno set, when close(2) failed (on some
  /// file systems the last write errors show up only there). Closing a closed file returns true.
  bool close() noexcept;

  /// Reads `n` bytes at the current position into `out`. Returns the count read: `n`, or fewer
  /// at the end of the file; -1 with errno set on an error.
  std::int64_t read(void* out, std::size_t n) const noexcept;
  /// Reads `n` bytes at `offset` (the position does not move); returns as read() does.
  std::int64_t read_at(void* out, std::size_t n, std::uint64_t offset) const noexcept;
  /// Writes all `n` bytes at the current position; false with errno set on an error.
  bool write_all(const void* data, std::size_t n) const noexcept;

 private:
  int fd_ = -1;
};

}  // namespace tessera::detail
