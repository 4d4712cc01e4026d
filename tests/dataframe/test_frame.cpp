// The lazy frame end to end: read_csv, masks, selections and groupby aggregations, each result
// compared with one computed here by reading the file line by line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "tessera/dataframe.hpp"
#include "tessera/dataframe/datasets.hpp"
#include "tessera/tessera.hpp"

namespace dd = tessera::dataframe;
namespace fs = std::filesystem;

namespace {

// Every test runs on a cluster of one worker and of two (tasks finishing in any order).
class Frame : public ::testing::TestWithParam<int> {
 protected:
  Frame()
      : cluster_({.n_workers = GetParam(), .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""}),
        client_(cluster_) {}
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("tessera_frame_" + std::to_string(::getpid()) + "_" + std::to_string(GetParam()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
            std::to_string(std::hash<std::string>{}(
                ::testing::UnitTest::GetInstance()->current_test_info()->name())));
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

std::vector<std::string> split(const std::string& line) {
  std::vector<std::string> fields;
  std::stringstream in(line);
  for (std::string field; std::getline(in, field, ',');) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

// The tutorial file's rows: id, column, category, value.
struct Row {
  std::int64_t id, column;
  std::string category;
  double value;
};
std::vector<Row> tutorial_rows(const std::string& file) {
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

}  // namespace

// The tutorial pipeline: df[df["column"] > 10].groupby("category").mean(), at several block
// sizes (one partition up to hundreds), against sums taken here in file order.
TEST_P(Frame, TutorialPipelineMatchesTheRowsRead) {
  const std::string file = path("tutorial.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 20000, .categories = 7, .seed = 3});
  struct Sums {
    std::int64_t n = 0, id = 0, column = 0;
    double value = 0, abs_value = 0;
  };
  std::map<std::string, Sums> expected;
  for (const Row& r : tutorial_rows(file)) {
    if (r.column <= 10) continue;
    Sums& s = expected[r.category];
    ++s.n;
    s.id += r.id;
    s.column += r.column;
    s.value += r.value;
    s.abs_value += std::abs(r.value);
  }
  for (const char* blocksize : {"", "100kB", "4096", "777"}) {
    SCOPED_TRACE(blocksize);
    auto df = dd::read_csv(file, {.blocksize = blocksize});
    if (std::string(blocksize) == "777") {
      EXPECT_GT(df.npartitions(), 500u);
    }
    const dd::Table result = df[df["column"] > 10].groupby("category").mean().compute();
    ASSERT_EQ(result.column_names(), (std::vector<std::string>{"category", "id", "column", "value"}));
    ASSERT_EQ(result.index_columns(), 1u);
    ASSERT_EQ(result.num_rows(), expected.size());
    std::size_t g = 0;
    for (const auto& [category, s] : expected) {
      EXPECT_EQ(result.string_at("category", g), category);
      const double n = static_cast<double>(s.n);
      // Integer sums are exact in any order (far below 2^53): the means are the same bits.
      EXPECT_EQ(result.column<double>("id")[g], static_cast<double>(s.id) / n);
      EXPECT_EQ(result.column<double>("column")[g], static_cast<double>(s.column) / n);
      // Float sums in another order differ by at most n * eps * sum|x| (recursive summation).
      const double bound = n * std::numeric_limits<double>::epsilon() * s.abs_value / n;
      EXPECT_NEAR(result.column<double>("value")[g], s.value / n, bound);
      ++g;
    }
  }
}

// compute() of a masked, projected frame: the rows in file order, nothing else.
TEST_P(Frame, MaskedSelectionKeepsTheRowsInOrder) {
  const std::string file = path("t.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 5000, .seed = 1});
  std::vector<std::int64_t> ids;
  for (const Row& r : tutorial_rows(file))
    if ((r.column > 3 && r.value < 0.5) || r.category == "cat2") ids.push_back(r.id);
  auto df = dd::read_csv(file, {.blocksize = "10kB"});
  const auto mask = ((df["column"] > 3) & (df["value"] < 0.5)) | (df["category"] == "cat2");
  const dd::Table t = df[mask][{"id", "category"}].compute();
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"id", "category"}));
  const auto got = t.column<std::int64_t>("id");
  EXPECT_EQ(std::vector<std::int64_t>(got.begin(), got.end()), ids);
  EXPECT_EQ(df[mask].length(), ids.size());
  EXPECT_EQ(df.length(), 5000u);
}

INSTANTIATE_TEST_SUITE_P(Workers, Frame, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param); });
