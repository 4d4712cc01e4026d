#pragma once
// Arrays in .npy files, streamed chunk by chunk so arrays larger than memory can be written and
// read back: one .npy file (NumPy's own format), or a directory with one .npy per chunk and a
// JSON manifest (like dask.array.to_npy_stack, but chunked along every axis).

#include <string>

#include "tessera/array.hpp"

namespace tessera {

/// A lazy array over a .npy file: each chunk task reads only its own block, also from files in
/// Fortran order or the other byte order. Opening checks that the file holds every data byte its
/// header promises.
Array from_npy(const std::string& path, const ChunkSpec& chunks);

/// Writes the array as one .npy file, computing one band of chunks (a block row along axis 0) at
/// a time, so memory holds one band, not the array. Work shared between bands (a reduction the
/// array depends on) is recomputed per band: persist() it first when that matters.
void to_npy(const Array& array, const std::string& path);

/// Writes every chunk to `<directory>/<i>_<j>...npy` from its own task, plus manifest.json with
/// shape, dtype and chunks. The directory is created; existing chunk files are replaced.
void to_npy_stack(const std::string& directory, const Array& array);

/// A lazy array over a directory written by to_npy_stack: each chunk task reads its file.
Array from_npy_stack(const std::string& directory);

}  // namespace tessera
