// The `tessera` program as a user runs it: exit codes, JSON output, error messages.
#include <gtest/gtest.h>

#include <dlfcn.h>
#include <sys/wait.h>
#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numbers>

namespace {

struct CliRun {
  int status;
  std::string output;  // stdout and stderr
};

CliRun run(const std::string& arguments) {
  const std::string command = std::string(TESSERA_CLI) + " " + arguments + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return {-1, ""};
  std::string output;
  std::array<char, 4096> buffer;
  while (std::size_t n = fread(buffer.data(), 1, buffer.size(), pipe))
    output.append(buffer.data(), n);
  int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

}  // namespace

TEST(Cli, PiJsonHasTheDocumentedFields) {
  CliRun r = run("pi --samples 2e6 --chunks 7 --device cpu --seed 11 --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  for (const char* key :
       {"pi", "abs_error", "samples", "seconds", "samples_per_second", "device", "workers"})
    EXPECT_TRUE(j.contains(key)) << key;
  EXPECT_EQ(j["samples"].get<std::uint64_t>(), 2'000'000u);
  EXPECT_EQ(j["chunks"].get<std::uint64_t>(), 7u);
  EXPECT_EQ(j["device"], "cpu");
  EXPECT_NEAR(j["abs_error"].get<double>(), std::abs(j["pi"].get<double>() - std::numbers::pi),
              1e-15);
  // The same seed gives the same hits with other chunking.
  auto again = nlohmann::json::parse(
      run("pi --samples 2000000 --chunks 3 --device cpu --seed 11 --json").output);
  EXPECT_EQ(again["hits"], j["hits"]);
}

TEST(Cli, InfoJsonDescribesTheMachine) {
  CliRun r = run("info --json");
  ASSERT_EQ(r.status, 0) << r.output;
  auto j = nlohmann::json::parse(r.output);
  EXPECT_GE(j["cpu_count"].get<int>(), 1);
  EXPECT_GT(j["memory"].get<std::uint64_t>(), 0u);
  EXPECT_TRUE(j["workers"].is_array());
  EXPECT_TRUE(j["gpus"].is_array());
  CliRun text = run("info");
  EXPECT_EQ(text.status, 0);
  EXPECT_NE(text.output.find("Total threads:"), std::string::npos) << text.output;
}

TEST(Cli, InfoSaysWhyCudaFailed) {
  auto j = nlohmann::json::parse(run("info --json").output);
  ASSERT_TRUE(j["cuda_error"].is_string()) << j.dump();
  const std::string error = j["cuda_error"];
  void* driver = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (driver) dlclose(driver);
  if (!j["cuda_build"].get<bool>()) {
    EXPECT_EQ(error, "") << "without CUDA there is no GPU, and nothing failed";
  } else if (!driver) {  // CUDA runtime, no driver: a failure, not "no GPU"
    EXPECT_NE(error, "");
  }
  CliRun text = run("info");
  EXPECT_EQ(
      text.output.find("GPUs:           none (CUDA failed: " + error + ")") != std::string::npos,
      !error.empty())
      << text.output;
}

TEST(Cli, BadArgumentsNameTheValue) {
  for (const auto& [arguments, fragment] : std::vector<std::pair<std::string, std::string>>{
           {"pi --samples lots", "'lots'"},
           {"pi --samples -5", "'-5'"},
           {"pi --samples 1.5", "'1.5'"},
           {"pi --device tpu", "'tpu'"},
           {"pi --chunks 0", "'0'"},
           {"pi --samples 1e18", "1000000000000000000"}}) {
    CliRun r = run(arguments);
    EXPECT_NE(r.status, 0) << arguments;
    EXPECT_NE(r.output.find(fragment), std::string::npos) << arguments << ": " << r.output;
  }
  EXPECT_NE(run("").status, 0);
  EXPECT_NE(run("frobnicate").status, 0);
}
