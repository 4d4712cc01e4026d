#pragma once
// One spilled chunk on disk: a plain .npy file (read back by mapping it), or an LZ4 block when
// compression pays (read back by decompressing). Shape and dtype stay with the caller.

#include <cstdint>
#include <memory>
#include <string>

#include "block_store.hpp"
#include "tessera/ndarray.hpp"

namespace tessera::detail {

struct SpillFile {
  std::string path;              ///< empty: nothing written
  std::size_t data_offset = 0;   ///< raw files: where the data starts (the .npy header's size)
  std::uint64_t file_bytes = 0;  ///< size on disk
  bool compressed = false;
};

/// Writes `array` to `stem` + ".npy" or ".lz4". `automatic` compresses only when a sample of the
/// chunk shrinks (random doubles do not; zeros, masks and integers do) and the whole chunk then
/// shrinks too, so incompressible chunks cost one small trial and stay mappable.
SpillFile write_spill_file(const std::string& stem, const NDArray& array,
                           SpillCompression compression);

/// The chunk back: mapped copy-on-write from a raw file, decompressed from an LZ4 one. Throws
/// std::runtime_error naming the file when it cannot be read or does not hold `nbytes`.
std::shared_ptr<NDArray> read_spill_file(const SpillFile& file, const Shape& shape, DType dtype,
                                         std::uint64_t nbytes);

}  // namespace tessera::detail
