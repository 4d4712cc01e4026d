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

}  // namespace tessera
