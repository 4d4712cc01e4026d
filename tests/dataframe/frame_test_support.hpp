#pragma once
// What the data frame tests share: a fixture running each test on a cluster of one worker and of
// two (tasks finishing in any order) with a scratch folder of its own, the tutorial file's rows
// read line by line (the reference the results are compared with), and typed column copies.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "tessera/dataframe.hpp"
#include "tessera/tessera.hpp"

namespace dataframe_test {

namespace dd = tessera::dataframe;
namespace fs = std::filesystem;

class FrameTest : public ::testing::TestWithParam<int> {
 protected:
  FrameTest()
      : cluster_({.n_workers = GetParam(),
                  .threads_per_worker = 1,
                  .n_gpu_workers = 0,
                  .dashboard_address = ""}),
        client_(cluster_) {}
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::path(::testing::TempDir()) /
           ("tessera_" + std::string(test->test_suite_name()) + "_" + std::to_string(::getpid()) +
            "_" + std::to_string(std::hash<std::string>{}(test->name())));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(path(name), std::ios::binary) << text;
    return path(name);
  }
  fs::path dir_;
  tessera::LocalCluster cluster_;
  tessera::Client client_;
};

/// A CSV line's fields (no quotes in the generated files).
inline std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

/// The tutorial file's rows: id, column, category, value.
struct Row {
  std::int64_t id, column;
  std::string category;
  double value;
};
inline std::vector<Row> tutorial_rows(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  std::vector<Row> rows;
  while (std::getline(in, line)) {
    const auto f = split(line);
    rows.push_back({std::stoll(f[0]), std::stoll(f[1]), f[2], std::stod(f[3])});
  }
  return rows;
}

/// f() throws, and its message names every one of `parts`.
template <class F>
void expect_throw_naming(F&& f, const std::vector<std::string>& parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const std::exception& e) {
    for (const std::string& part : parts)
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "'" << e.what() << "' does not name '" << part << "'";
  }
}

inline std::vector<std::int64_t> ints(const dd::Table& t, const std::string& name) {
  const auto s = t.column<std::int64_t>(name);
  return {s.begin(), s.end()};
}
inline std::vector<double> doubles(const dd::Table& t, const std::string& name) {
  const auto s = t.column<double>(name);
  return {s.begin(), s.end()};
}
inline std::vector<bool> bools(const dd::Table& t, const std::string& name) {
  const auto s = t.column<bool>(name);
  return {s.begin(), s.end()};
}
/// A string column's values, "<missing>" where there is none.
inline std::vector<std::string> strings(const dd::Table& t, const std::string& name) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < t.num_rows(); ++i)
    out.emplace_back(t.at(name).is_valid(i) ? std::string(t.string_at(name, i)) : "<missing>");
  return out;
}
inline std::vector<bool> validity(const dd::Table& t, const std::string& name) {
  std::vector<bool> out;
  for (std::size_t i = 0; i < t.at(name).size(); ++i) out.push_back(t.at(name).is_valid(i));
  return out;
}

}  // namespace dataframe_test
