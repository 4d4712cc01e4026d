#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "tessera/diagnostics/progress_line.hpp"

namespace tessera::diagnostics {

std::string format_elapsed(double seconds) {
  seconds = std::max(seconds, 0.0);
  const double hours = std::floor(seconds / 3600);
  const double minutes = std::floor((seconds - hours * 3600) / 60);
  const double rest = seconds - hours * 3600 - minutes * 60;
  if (hours > 0) return fmt::format("{:2.0f}hr {:2.0f}min {:4.1f}s", hours, minutes, rest);
  if (minutes > 0) return fmt::format("{:2.0f}min {:4.1f}s", minutes, rest);
  return fmt::format("{:4.1f}s", rest);
}

std::string format_progress_line(double fraction, double elapsed_seconds, int width, bool failed) {
  fraction = std::clamp(std::isnan(fraction) ? 0.0 : fraction, 0.0, 1.0);
  width = std::max(width, 1);
  const auto filled = static_cast<std::size_t>(std::floor(width * fraction));
  const int percent = static_cast<int>(std::floor(100 * fraction));
  return fmt::format("[{:<{}}] | {}% {} | {}", std::string(filled, '#'), width, percent,
                     failed ? "Failed" : "Completed", format_elapsed(elapsed_seconds));
}

}  // namespace tessera::diagnostics
