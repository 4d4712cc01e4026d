#include "tessera/detail/posix_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

namespace tessera::detail {

PosixFile::PosixFile(const std::string& path, int flags, mode_t mode)
    : fd_(::open(path.c_str(), flags | O_CLOEXEC, mode)) {}

PosixFile::~PosixFile() {
  const int saved = errno;
  close();
  errno = saved;
}

PosixFile::PosixFile(PosixFile&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}

PosixFile& PosixFile::operator=(PosixFile&& other) noexcept {
  if (this != &other) {
    const int saved = errno;
    close();
    errno = saved;
    fd_ = std::exchange(other.fd_, -1);
  }
  return *this;
}

bool PosixFile::close() noexcept {
  // The descriptor is gone after close(2) even when it fails (Linux): never retried.
  const int fd = std::exchange(fd_, -1);
  return fd < 0 || ::close(fd) == 0;
}

namespace {

// Repeats `transfer(done)` (one read or write of the rest) until `n` bytes moved, the file
// ended (a transfer of 0) or an error other than EINTR; returns the count, or -1.
template <class Transfer>
std::int64_t transfer_all(std::size_t n, Transfer transfer) {
  std::size_t done = 0;
  while (done < n) {
    const ssize_t moved = transfer(done);
    if (moved < 0 && errno == EINTR) continue;
    if (moved < 0) return -1;
    if (moved == 0) break;
    done += static_cast<std::size_t>(moved);
  }
  return static_cast<std::int64_t>(done);
}

}  // namespace

std::int64_t PosixFile::read(void* out, std::size_t n) const noexcept {
  auto* bytes = static_cast<char*>(out);
  return transfer_all(n, [&](std::size_t done) { return ::read(fd_, bytes + done, n - done); });
}

std::int64_t PosixFile::read_at(void* out, std::size_t n, std::uint64_t offset) const noexcept {
  auto* bytes = static_cast<char*>(out);
  return transfer_all(n, [&](std::size_t done) {
    return ::pread(fd_, bytes + done, n - done, static_cast<off_t>(offset + done));
  });
}

bool PosixFile::write_all(const void* data, std::size_t n) const noexcept {
  const auto* bytes = static_cast<const char*>(data);
  // write(2) of a non-empty buffer returns 0 only in odd cases; counted as an error (errno 0 is
  // worded "I/O error" by the callers) rather than looping for ever.
  errno = 0;
  return transfer_all(n, [&](std::size_t done) { return ::write(fd_, bytes + done, n - done); }) ==
         static_cast<std::int64_t>(n);
}

}  // namespace tessera::detail
