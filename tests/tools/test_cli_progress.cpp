// The `tessera` program draws a progress bar for a person at a terminal, and only then: the
// terminal is a pseudo-terminal made by util-linux's `script`.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace {

// Runs the CLI with stdout (and stderr) on a terminal; returns what the terminal showed.
std::string run_on_terminal(const std::string& arguments) {
  const std::string command =
      "script -qec '" + std::string(TESSERA_CLI) + " " + arguments + "' /dev/null";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return "";
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
    output.append(buffer.data(), n);
  pclose(pipe);
  return output;
}

// A sample count that keeps `tessera pi` busy for about 1.5 s here, well past the bar's
// half-second minimum, whatever the machine or sanitizer: measured once with a short run.
std::string samples_for_a_long_run() {
  static const std::string samples = [] {
    const double probe = 2e8;
    const auto out = run_on_terminal("pi --device cpu --json --samples 200000000");
    const double seconds = nlohmann::json::parse(out).at("seconds").get<double>();
    return std::to_string(std::llround(probe * 1.5 / std::max(seconds, 1e-3)));
  }();
  return samples;
}

}  // namespace

TEST(CliProgress, PiShowsABarOnATerminal) {
  const std::string out = run_on_terminal("pi --device cpu --samples " + samples_for_a_long_run());
  EXPECT_NE(out.find("| 100% Completed |"), std::string::npos) << out;
  EXPECT_NE(out.find("\r["), std::string::npos) << "redrawn in place";
  EXPECT_LT(out.find("| 100% Completed |"), out.find("pi estimate:")) << "bar ends first";
}

TEST(CliProgress, JsonOnATerminalHasNoBar) {
  const std::string out =
      run_on_terminal("pi --device cpu --json --samples " + samples_for_a_long_run());
  EXPECT_EQ(out.find("Completed"), std::string::npos) << out;
  EXPECT_NO_THROW(nlohmann::json::parse(out)) << out;
}
