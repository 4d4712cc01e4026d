#include "tessera/bytes.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <stdexcept>
#include <utility>

namespace tessera {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

double unit_multiplier(std::string_view unit_text, std::string_view whole) {
  static const std::pair<const char*, double> kUnits[] = {
      {"", 1.0},
      {"b", 1.0},
      {"k", 1e3},
      {"kb", 1e3},
      {"kib", 1024.0},
      {"m", 1e6},
      {"mb", 1e6},
      {"mib", 1048576.0},
      {"g", 1e9},
      {"gb", 1e9},
      {"gib", 1073741824.0},
      {"t", 1e12},
      {"tb", 1e12},
      {"tib", 1099511627776.0},
      {"p", 1e15},
      {"pb", 1e15},
      {"pib", 1125899906842624.0},
  };
  const std::string unit = lower(unit_text);
  for (const auto& [name, multiplier] : kUnits)
    if (unit == name) return multiplier;
  throw std::invalid_argument(
      fmt::format("invalid byte size '{}': unknown unit '{}'", whole, unit_text));
}

}  // namespace

std::uint64_t parse_bytes(std::string_view text) {
  std::string_view s = text;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  if (s.empty()) throw std::invalid_argument(fmt::format("invalid byte size '{}': empty", text));

  // The number is everything up to the first letter that is not an exponent marker.
  std::size_t split = 0;
  while (split < s.size()) {
    char c = s[split];
    bool exponent = (c == 'e' || c == 'E') && split > 0 && split + 1 < s.size() &&
                    (std::isdigit(static_cast<unsigned char>(s[split + 1])) ||
                     s[split + 1] == '-' || s[split + 1] == '+');
    if (std::isalpha(static_cast<unsigned char>(c)) && !exponent) break;
    ++split;
  }
  std::string_view number_text = s.substr(0, split);
  std::string_view unit_text = s.substr(split);
  while (!number_text.empty() && std::isspace(static_cast<unsigned char>(number_text.back())))
    number_text.remove_suffix(1);

  double number = 1.0;  // "MB" alone means one megabyte, as in Dask
  if (!number_text.empty()) {
    auto [end, error] =
        std::from_chars(number_text.data(), number_text.data() + number_text.size(), number);
    if (error != std::errc() || end != number_text.data() + number_text.size())
      throw std::invalid_argument(
          fmt::format("invalid byte size '{}': '{}' is not a number", text, number_text));
  }
  if (!std::isfinite(number) || number < 0)
    throw std::invalid_argument(
        fmt::format("invalid byte size '{}': must be a non-negative size", text));
  const double bytes = number * unit_multiplier(unit_text, text);
  if (bytes >= 18446744073709551616.0)
    throw std::invalid_argument(fmt::format("invalid byte size '{}': too large", text));
  return static_cast<std::uint64_t>(bytes);
}

std::string format_bytes(std::uint64_t bytes) {
  static const std::pair<const char*, double> kUnits[] = {
      {"PiB", 1125899906842624.0}, {"TiB", 1099511627776.0}, {"GiB", 1073741824.0},
      {"MiB", 1048576.0},          {"kiB", 1024.0},
  };
  for (const auto& [name, size] : kUnits)
    if (static_cast<double>(bytes) >= 0.9 * size)
      return fmt::format("{:.2f} {}", bytes / size, name);
  return fmt::format("{} B", bytes);
}

}  // namespace tessera
