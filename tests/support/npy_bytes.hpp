#pragma once
// Hand-made .npy files for tests: any header dict (Fortran order, other byte orders, malformed
// ones) in front of any data, which neither NumPy nor NpyWriter would write.

#include <cstddef>
#include <string>

namespace tessera::test_support {

/// Magic, version `major`.0, header length, `dict` padded with spaces to a multiple of `align`
/// and ended by '\n'; the data follows.
inline std::string npy_header_bytes(const std::string& dict, int major = 1,
                                    std::size_t align = 64) {
  const std::size_t prefix = 8 + (major == 1 ? 2 : 4);
  std::string header = dict;
  while ((prefix + header.size() + 1) % align != 0) header.push_back(' ');
  header.push_back('\n');
  std::string bytes("\x93NUMPY", 6);
  bytes.push_back(static_cast<char>(major));
  bytes.push_back('\0');
  for (std::size_t i = 0; i < prefix - 8; ++i)
    bytes.push_back(static_cast<char>((header.size() >> (8 * i)) & 0xFF));
  return bytes + header;
}

}  // namespace tessera::test_support
