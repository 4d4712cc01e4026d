#pragma once
// Byte sizes as people write them: "4GiB", "500MB", "1e9" (Dask's parse_bytes/format_bytes).

#include <cstdint>
#include <string>
#include <string_view>

namespace tessera {

/// Parses "4GiB", "500 MB", "1.5e9", "2k" (decimal: k M G T P; binary: KiB MiB GiB TiB PiB).
/// Throws std::invalid_argument naming the text when it is not a non-negative size.
std::uint64_t parse_bytes(std::string_view text);

/// Formats a byte count for people: "23.43 GiB", "512 B".
std::string format_bytes(std::uint64_t bytes);

}  // namespace tessera
