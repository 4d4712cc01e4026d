#pragma once
// Finding the next of a few bytes eight at a time (SWAR): CSV fields and rows are short, and a
// byte-by-byte loop spent most of the scan testing bytes that are none of them.

#include <bit>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace tessera::dataframe::detail {

static_assert(std::endian::native == std::endian::little, "the byte order of the masks below");

/// High bit of each byte of `word` equal to `pattern`'s byte. The lowest set bit is exact; bits
/// above a match may be spurious (a borrow), so only the lowest is used.
constexpr std::uint64_t bytes_equal(std::uint64_t word, std::uint64_t pattern) noexcept {
  const std::uint64_t x = word ^ pattern;
  return (x - 0x0101010101010101ull) & ~x & 0x8080808080808080ull;
}

constexpr std::uint64_t broadcast(char c) noexcept {
  return 0x0101010101010101ull * static_cast<unsigned char>(c);
}

/// Position of the first byte at or after `from` equal to a, b or c; bytes.size() if none.
inline std::size_t find_first_of3(std::string_view bytes, std::size_t from, char a, char b,
                                  char c) {
  const std::uint64_t pa = broadcast(a), pb = broadcast(b), pc = broadcast(c);
  const char* data = bytes.data();
  const std::size_t size = bytes.size();
  std::size_t i = from;
  for (; i + 8 <= size; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, data + i, 8);
    const std::uint64_t hits =
        bytes_equal(word, pa) | bytes_equal(word, pb) | bytes_equal(word, pc);
    if (hits) return i + (static_cast<std::size_t>(std::countr_zero(hits)) >> 3);
  }
  for (; i < size; ++i)
    if (data[i] == a || data[i] == b || data[i] == c) return i;
  return size;
}

}  // namespace tessera::dataframe::detail
