// Fuzzes the memory-size parsers: parse_bytes ("4GiB", "1.5e9", "500 MB") and the worker memory
// limit built on it, as text and as a number. Bad text may only throw std::invalid_argument; a
// parsed size must read back from its own decimal digits.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <string_view>

#include "tessera/bytes.hpp"
#include "tessera/cluster_options.hpp"

namespace {

void check_text(std::string_view text) {
  std::uint64_t bytes = 0;
  try {
    bytes = tessera::parse_bytes(text);
  } catch (const std::invalid_argument&) {
    return;
  }
  if (bytes < (std::uint64_t{1} << 53) && tessera::parse_bytes(std::to_string(bytes)) != bytes)
    throw std::logic_error("fuzz_memory_size: a byte count does not read back as itself");
  (void)tessera::format_bytes(bytes);
  // A bare number ("0.5", " 2e9 ") is what the same number means unquoted (a fraction of memory
  // or a byte count, MemoryLimit(double)), so only sizes with a unit must agree with parse_bytes.
  if (text.find_first_not_of("0123456789+-.eE \t\n\v\f\r") == std::string_view::npos) return;
  std::uint64_t limit = 0;
  try {
    limit = tessera::MemoryLimit{std::string(text)}.resolve(std::uint64_t{64} << 30, 4);
  } catch (const std::invalid_argument&) {
    if (bytes == 0) return;  // a size below one byte ("0.5B") is refused, not taken for no limit
    throw std::logic_error("fuzz_memory_size: MemoryLimit refuses what parse_bytes reads");
  }
  if (limit != bytes)
    throw std::logic_error("fuzz_memory_size: MemoryLimit and parse_bytes disagree");
}

// The same bytes taken as a double: a fraction of system memory, or a byte count.
void check_number(const std::uint8_t* data, std::size_t size) {
  if (size != sizeof(double)) return;
  double value = 0;
  std::memcpy(&value, data, sizeof value);
  try {
    const tessera::MemoryLimit limit(value);
    (void)limit.resolve(std::uint64_t{64} << 30, 4);
  } catch (const std::invalid_argument&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  check_text(std::string_view(reinterpret_cast<const char*>(data), size));
  check_number(data, size);
  return 0;
}
