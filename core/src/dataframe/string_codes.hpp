#pragma once
// Dense codes for strings in order of first appearance: a CSV column's dictionary, a groupby's
// groups (by encoded key). An open-addressing table of codes with a cheap hash; std::unordered_map
// hashed and compared every field through library calls and allocated a node per string.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::dataframe::detail {

/// Equality of two strings without a library call for the short ones (most fields and keys).
inline bool same(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) return false;
  if (a.size() <= 8) {
    std::uint64_t x = 0, y = 0;
    std::memcpy(&x, a.data(), a.size());
    std::memcpy(&y, b.data(), b.size());
    return x == y;
  }
  return std::memcmp(a.data(), b.data(), a.size()) == 0;
}

/// A fast hash of short strings (fields and keys are mostly under 16 bytes).
inline std::uint64_t hash_bytes(std::string_view s) noexcept {
  std::uint64_t h = 0x9E3779B97F4A7C15ull * (s.size() + 1);
  const char* p = s.data();
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, p + i, 8);
    h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
    h ^= h >> 31;
  }
  if (i < s.size()) {
    std::uint64_t w = 0;
    std::memcpy(&w, p + i, s.size() - i);
    h = (h ^ w) * 0x94D049BB133111EBull;
    h ^= h >> 29;
  }
  return h ^ (h >> 32);
}

class StringCodes {
 public:
  /// The code of `s`: the number of distinct strings seen before it, if it is new.
  std::int32_t code_of(std::string_view s) {
    if ((size() + 1) * 2 > slots_.size()) rehash(std::max<std::size_t>(16, slots_.size() * 2));
    const std::uint64_t h = hash_bytes(s);
    const auto tag = static_cast<std::uint32_t>(h >> 32);
    for (std::size_t i = h & mask_;; i = (i + 1) & mask_) {
      const std::uint64_t slot = slots_[i];
      if (slot == kEmpty) {
        const auto code = static_cast<std::uint32_t>(size());
        slots_[i] = std::uint64_t{tag} << 32 | code;
        offsets_.push_back(bytes_.size());
        bytes_.append(s);
        hashes_.push_back(h);
        return static_cast<std::int32_t>(code);
      }
      // The hash's high half sits beside the code: most probes settle without the strings.
      const auto code = static_cast<std::uint32_t>(slot);
      if (static_cast<std::uint32_t>(slot >> 32) == tag && same(at(code), s))
        return static_cast<std::int32_t>(code);
    }
  }
  /// Room for `n` strings without rehashing.
  void reserve(std::size_t n) {
    if (n * 2 > slots_.size()) rehash(std::bit_ceil(n * 2));
  }
  std::size_t size() const noexcept { return offsets_.size(); }
  std::string_view at(std::size_t code) const noexcept {
    const std::size_t end = code + 1 < offsets_.size() ? offsets_[code + 1] : bytes_.size();
    return std::string_view(bytes_).substr(offsets_[code], end - offsets_[code]);
  }
  /// The strings by code (a dictionary), leaving the table empty.
  std::vector<std::string> take() {
    std::vector<std::string> strings;
    strings.reserve(size());
    for (std::size_t c = 0; c < size(); ++c) strings.emplace_back(at(c));
    *this = StringCodes();
    return strings;
  }

 private:
  static constexpr std::uint64_t kEmpty = ~std::uint64_t{0};
  void rehash(std::size_t slots) {
    slots_.assign(slots, kEmpty);
    mask_ = slots - 1;
    for (std::size_t code = 0; code < hashes_.size(); ++code) {
      std::size_t i = hashes_[code] & mask_;
      while (slots_[i] != kEmpty) i = (i + 1) & mask_;
      slots_[i] = (hashes_[code] >> 32) << 32 | code;
    }
  }
  std::vector<std::uint64_t> slots_;  ///< hash's high half << 32 | code
  std::string bytes_;                 ///< every string, one after another
  std::vector<std::size_t> offsets_;  ///< where each starts in bytes_
  std::vector<std::uint64_t> hashes_;
  std::size_t mask_ = 0;
};

}  // namespace tessera::dataframe::detail
