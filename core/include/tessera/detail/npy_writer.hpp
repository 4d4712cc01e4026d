#pragma once
// Writing a .npy file in pieces, as to_npy does chunk band by chunk band (tessera/npy.hpp writes
// whole arrays; the format is described there).

#include <cstddef>
#include <string>

#include "tessera/detail/posix_file.hpp"
#include "tessera/dtype.hpp"
#include "tessera/ndarray.hpp"

namespace tessera {

/// Writes a .npy file in pieces: the header on construction, then exactly
/// product(shape) * dtype_size(dtype) bytes of row-major data through write(), then close().
/// write() throws std::length_error (writing nothing) past the promised size; close() throws
/// std::length_error when fewer bytes were written. A writer destroyed without close() closes the
/// file quietly, leaving it incomplete (read_npy rejects it as truncated).
class NpyWriter {
 public:
  NpyWriter(const std::string& path, Shape shape, DType dtype);

  /// Appends n raw bytes (native byte order).
  void write(const void* bytes, std::size_t n);
  /// Checks the byte count and closes; throws std::runtime_error on an OS error.
  void close();

  const std::string& path() const noexcept { return path_; }
  std::size_t bytes_written() const noexcept { return written_; }
  std::size_t bytes_expected() const noexcept { return expected_; }

 private:
  std::string path_;
  detail::PosixFile file_;
  std::size_t expected_ = 0;
  std::size_t written_ = 0;
};

}  // namespace tessera
