#pragma once
// A whole task value as bytes: host chunks (dtype, shape, then the data, 64-byte aligned so the
// receiver's array can point into its message) and values of other types through their codecs.
// What crosses MPI ranks; the format is this binary's own (every rank runs the same binary).

#include <cstddef>
#include <memory>
#include <vector>

#include "tessera/value.hpp"

namespace tessera::detail {

/// Bytes of an encoded value left where they are (an array chunk's data), to be sent right after
/// the encoded part from their own memory; `owner` keeps them alive. Empty when none.
struct BorrowedBytes {
  std::shared_ptr<const void> owner;
  const std::byte* data = nullptr;
  std::size_t size = 0;
};

/// encode_value, except that the data of an array chunk of at least `borrow_from` bytes is not
/// copied: `out` then ends where the data would start (64-byte aligned, as decode_value expects
/// it) and the data is returned, to follow `out` unchanged.
BorrowedBytes encode_value(const Value& value, std::vector<std::byte>& out,
                           std::size_t borrow_from);

/// Appends `value` to `out`. A stored chunk goes as the host chunk it holds, unless it has a home
/// rank (StoredChunk::home): then as a handle naming that rank, whose load() throws. Throws
/// std::invalid_argument naming the type for a device chunk or a type without a codec.
void encode_value(const Value& value, std::vector<std::byte>& out);

/// The value encoded at `data` (`size` bytes). A host chunk points into the buffer, which
/// `owner` keeps alive (allocate it 64-byte aligned). Throws std::invalid_argument for bytes
/// that are no encoded value (truncated, an unknown type).
Value decode_value(const std::byte* data, std::size_t size, std::shared_ptr<void> owner);

/// A buffer of `size` bytes aligned to 64, as decode_value wants it.
std::shared_ptr<std::byte> aligned_buffer(std::size_t size);

}  // namespace tessera::detail
