#pragma once
// Turning .npy data as stored into this machine's row-major values: what read_npy does to a whole
// file, and from_npy to each chunk it reads.

#include <cstdint>

#include "tessera/dtype.hpp"
#include "tessera/ndarray.hpp"

namespace tessera {

/// Turns `count` elements of `dtype` read as a .npy file stores them into this machine's values in
/// place: byteswaps other-endian data (NpyHeader::byteswapped), and makes every nonzero boolean
/// byte 1 (NumPy reads any nonzero byte as True; a C++ bool must be 0 or 1).
void npy_to_native(void* data, std::int64_t count, DType dtype, bool byteswapped);

/// Copies the elements of an array of `shape` and `dtype` from column-major (Fortran) order in
/// `column_major` to row-major order in `row_major`, bit for bit. The buffers must not overlap.
void fortran_to_row_major(const void* column_major, void* row_major, const Shape& shape,
                          DType dtype);

}  // namespace tessera
