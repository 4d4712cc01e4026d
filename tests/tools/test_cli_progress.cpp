// The `tessera` program draws a progress bar for a person at a terminal, and only then: the
// terminal is a pseudo-terminal made by util-linux's `script`.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
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

double wall_seconds(const std::string& output) {
  std::smatch m;
  return std::regex_search(output, m, std::regex(R"(wall time: +([0-9.]+) s)")) ? std::stod(m[1])
                                                                                : 0;
}

}  // namespace

TEST(CliProgress, PiShowsABarOnATerminal) {
  // The bar hides runs shorter than half a second: scale the work until the run is longer.
  double samples = 4e9;
  std::string out;
  for (int attempt = 0; attempt < 3; ++attempt) {
    out = run_on_terminal("pi --device cpu --samples " + std::to_string(std::llround(samples)));
    const double seconds = wall_seconds(out);
    ASSERT_GT(seconds, 0) << out;
    if (seconds > 1) break;
    samples *= std::ceil(2 / seconds);
  }
  EXPECT_NE(out.find("| 100% Completed |"), std::string::npos) << out;
  EXPECT_NE(out.find("\r["), std::string::npos) << "redrawn in place";
  EXPECT_LT(out.find("| 100% Completed |"), out.find("pi estimate:")) << "bar ends first";
}

TEST(CliProgress, JsonOnATerminalHasNoBar) {
  const std::string out = run_on_terminal("pi --device cpu --samples 4e9 --json");
  EXPECT_EQ(out.find("Completed"), std::string::npos) << out;
  EXPECT_NO_THROW(nlohmann::json::parse(out)) << out;
}
