#pragma once
// NumPy .npy files: what np.save writes and np.load reads, for the four Tessera dtypes.
//
// Writing: format version 1.0 (2.0 when the header needs more than 65535 bytes), descr '<f8',
// '<f4',
// '<i8' or '|b1' ('>' on a big-endian machine), 'fortran_order': False, data starting at a multiple
// of 64 bytes.
// Reading: versions 1.0, 2.0 and 3.0; descr in either byte order ('<', '>', '=', '|'), big-endian
// data byteswapped; fortran_order True transposed into row-major order. Anything else (other
// dtypes, structured descr, bad magic, malformed header, a file shorter than its header promises)
// throws std::invalid_argument naming the path and the offending value. Failing to open, read or
// write a file throws std::runtime_error naming the path and the OS error.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "tessera/dtype.hpp"
#include "tessera/ndarray.hpp"

namespace tessera {

/// Writes `array` to `path` (created or truncated) as a .npy file.
void write_npy(const std::string& path, const NDArray& array);

/// Reads a whole .npy file into a new row-major array. An array too large for memory throws
/// std::runtime_error naming the path and its size (from_npy reads such files chunk by chunk).
NDArray read_npy(const std::string& path);

/// What a .npy header says.
struct NpyHeader {
  Shape shape;  ///< logical shape (as NumPy reports it), also for fortran_order
  DType dtype = DType::float64;
  bool fortran_order = false;   ///< data stored column-major
  std::size_t data_offset = 0;  ///< file offset of the first data byte
  bool byteswapped = false;     ///< data stored in the other byte order from this machine's
  int version_major = 1;        ///< format version 1, 2 or 3 (minor is always 0)

  /// Elements and data bytes the header promises.
  std::int64_t size() const;
  std::size_t nbytes() const { return static_cast<std::size_t>(size()) * dtype_size(dtype); }
};

/// Reads and validates the header of a .npy file, and that a regular file holds all the data bytes
/// the header promises (their values are not read).
NpyHeader read_npy_header(const std::string& path);

/// Turns `count` elements of `dtype` read as a .npy file stores them into this machine's values in
/// place: byteswaps other-endian data (NpyHeader::byteswapped), and makes every nonzero boolean
/// byte 1 (NumPy reads any nonzero byte as True; a C++ bool must be 0 or 1).
void npy_to_native(void* data, std::int64_t count, DType dtype, bool byteswapped);

/// Copies the elements of an array of `shape` and `dtype` from column-major (Fortran) order in
/// `column_major` to row-major order in `row_major`, bit for bit. The buffers must not overlap.
void fortran_to_row_major(const void* column_major, void* row_major, const Shape& shape,
                          DType dtype);

/// Writes a .npy file in pieces: the header on construction, then exactly
/// product(shape) * dtype_size(dtype) bytes of row-major data through write(), then close().
/// write() throws std::length_error (writing nothing) past the promised size; close() throws
/// std::length_error when fewer bytes were written. A writer destroyed without close() closes the
/// file quietly, leaving it incomplete (read_npy rejects it as truncated).
class NpyWriter {
 public:
  NpyWriter(const std::string& path, Shape shape, DType dtype);
  ~NpyWriter();
  NpyWriter(NpyWriter&& other) noexcept;
  NpyWriter& operator=(NpyWriter&& other) noexcept;
  NpyWriter(const NpyWriter&) = delete;
  NpyWriter& operator=(const NpyWriter&) = delete;

  /// Appends n raw bytes (native byte order).
  void write(const void* bytes, std::size_t n);
  /// Checks the byte count, flushes and closes; throws std::runtime_error on an OS error.
  void close();

  const std::string& path() const noexcept { return path_; }
  std::size_t bytes_written() const noexcept { return written_; }
  std::size_t bytes_expected() const noexcept { return expected_; }

 private:
  std::string path_;
  std::FILE* file_ = nullptr;
  std::size_t expected_ = 0;
  std::size_t written_ = 0;
};

}  // namespace tessera
