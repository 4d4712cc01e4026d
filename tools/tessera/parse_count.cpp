#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <stdexcept>

#include "commands.hpp"

namespace tessera::cli {

std::uint64_t parse_count(const std::string& text, const char* what) {
  double value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || !std::isfinite(value) ||
      value < 1 || value != std::floor(value) || value >= 1.8e19)
    throw std::invalid_argument(
        fmt::format("invalid {} '{}': need a whole number >= 1 (e.g. 1e10)", what, text));
  return static_cast<std::uint64_t>(value);
}

}  // namespace tessera::cli
