#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/dataframe/datasets.hpp"

namespace {

namespace fs = std::filesystem;
using namespace tessera::dataframe::datasets;

/// A directory of its own for each test (ctest runs them in parallel), removed at the end.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::path(::testing::TempDir()) /
            ("tessera_datasets_" + std::string(test->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

/// The lines of a file that ends in a line break, without the breaks.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  EXPECT_TRUE(text.empty() || text.back() == '\n');
  while (!text.empty()) {
    const std::size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    text.remove_prefix(end + 1);
  }
  return lines;
}

/// Fields separated by commas, empty ones (a trailing one too) kept.
std::vector<std::string_view> fields_of(std::string_view line) {
  std::vector<std::string_view> fields;
  for (;;) {
    const std::size_t comma = line.find(',');
    fields.push_back(line.substr(0, comma));
    if (comma == std::string_view::npos) return fields;
    line.remove_prefix(comma + 1);
  }
}

bool all_digits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

/// The decimal integer `text` (digits only, no sign) within [lo, hi], or a failed expectation
/// naming `what` and returning -1.
std::int64_t integer_in(std::string_view text, std::int64_t lo, std::int64_t hi,
                        const std::string& what) {
  std::int64_t value = -1;
  const bool parsed =
      all_digits(text) && std::from_chars(text.data(), text.data() + text.size(), value).ptr ==
                              text.data() + text.size();
  if (!parsed || value < lo || value > hi) {
    ADD_FAILURE() << what << ": '" << text << "' is not an integer in [" << lo << ", " << hi << "]";
    return -1;
  }
  return value;
}

/// "id" then exactly `digits` digits (at least, for values beyond them) of a value in [lo, hi].
std::int64_t id_in(std::string_view text, int digits, std::int64_t lo, std::int64_t hi,
                   const std::string& what) {
  if (text.size() != static_cast<std::size_t>(2 + digits) || text.substr(0, 2) != "id") {
    ADD_FAILURE() << what << ": '" << text << "' is not id followed by " << digits << " digits";
    return -1;
  }
  return integer_in(text.substr(2), lo, hi, what);
}

/// A float printed as %.6f below `below` (an integer): digits, a point, exactly 6 digits.
void expect_fixed6_below(std::string_view text, std::int64_t below, const std::string& what) {
  const std::size_t point = text.find('.');
  ASSERT_NE(point, std::string_view::npos) << what << ": '" << text << "'";
  EXPECT_EQ(text.size() - point - 1, 6u) << what << ": '" << text << "'";
  EXPECT_TRUE(all_digits(text.substr(point + 1))) << what << ": '" << text << "'";
  integer_in(text.substr(0, point), 0, below - 1, what);
}

template <class Error>
void expect_error_naming(const std::function<void()>& call, const std::string& text) {
  try {
    call();
    ADD_FAILURE() << "no exception; expected one naming '" << text << "'";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(text), std::string::npos)
        << "'" << error.what() << "' does not name '" << text << "'";
  }
}

const char* const kGroupbyHeader = "id1,id2,id3,id4,id5,id6,v1,v2,v3";

TEST(Datasets, GroupbySameSeedSameBytesOtherSeedOthers) {
  ScratchDir dir;
  const GroupbyOptions options{.rows = 2000, .groups = 10, .missing = 0.0, .seed = 7};
  GroupbyOptions other_seed = options;
  other_seed.seed = 8;
  write_groupby_csv(dir.file("a.csv"), options);
  write_groupby_csv(dir.file("b.csv"), options);
  write_groupby_csv(dir.file("c.csv"), other_seed);
  const std::string a = read_file(dir.file("a.csv"));
  EXPECT_GT(a.size(), 2000u * 20);
  EXPECT_EQ(a, read_file(dir.file("b.csv")));
  EXPECT_NE(a, read_file(dir.file("c.csv")));

  GroupbyOptions with_missing = options;
  with_missing.missing = 0.1;
  write_groupby_csv(dir.file("d.csv"), with_missing);
  write_groupby_csv(dir.file("e.csv"), with_missing);
  EXPECT_EQ(read_file(dir.file("d.csv")), read_file(dir.file("e.csv")));
}

// The bytes are the same on every machine: these lines pin the generator, the integer mapping and
// the missing-value mask (checked against an independent Python SplitMix64 + Lemire), so a change
// to any of them, which would change every benchmark's input, shows here.
TEST(Datasets, BytesArePinned) {
  ScratchDir dir;
  write_groupby_csv(dir.file("g.csv"), {.rows = 3, .groups = 100, .missing = 0.0, .seed = 42});
  EXPECT_EQ(read_file(dir.file("g.csv")), std::string(kGroupbyHeader) +
                                              "\n"
                                              "id075,id016,id0000000001,35,4,1,2,13,33.993103\n"
                                              "id062,id021,id0000000001,52,53,1,2,2,49.549865\n"
                                              "id010,id069,id0000000001,8,60,1,1,5,74.197930\n");
  write_groupby_csv(dir.file("na.csv"), {.rows = 4, .groups = 2, .missing = 0.3, .seed = 42});
  EXPECT_EQ(read_file(dir.file("na.csv")), std::string(kGroupbyHeader) +
                                               "\n"
                                               "id002,,,,1,,2,,\n"
                                               "id002,id001,id0000000001,2,2,,2,2,49.549865\n"
                                               "id001,,id0000000002,,,2,1,5,\n"
                                               ",,id0000000002,2,2,2,4,,38.002286\n");
  write_tutorial_csv(dir.file("t.csv"), {.rows = 3, .categories = 10, .seed = 42});
  EXPECT_EQ(read_file(dir.file("t.csv")),
            "id,column,category,value\n0,14,cat1,0.278601\n1,6,cat0,0.868228\n2,4,cat8,0.339931\n");
}

TEST(Datasets, GroupbyValuesHaveTheirRangesAndShapes) {
  ScratchDir dir;
  const std::int64_t rows = 100'000, k = 100, n_over_k = rows / k;
  write_groupby_csv(dir.file("g.csv"), {.rows = rows, .groups = k, .missing = 0.0, .seed = 1});
  const std::string text = read_file(dir.file("g.csv"));
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(rows + 1));
  EXPECT_EQ(lines[0], kGroupbyHeader);

  std::set<std::int64_t> distinct[8];
  std::int64_t v1_count[6] = {};
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = fields_of(lines[i]);
    ASSERT_EQ(f.size(), 9u) << "line " << i << ": " << lines[i];
    distinct[0].insert(id_in(f[0], 3, 1, k, "id1"));
    distinct[1].insert(id_in(f[1], 3, 1, k, "id2"));
    distinct[2].insert(id_in(f[2], 10, 1, n_over_k, "id3"));
    distinct[3].insert(integer_in(f[3], 1, k, "id4"));
    distinct[4].insert(integer_in(f[4], 1, k, "id5"));
    distinct[5].insert(integer_in(f[5], 1, n_over_k, "id6"));
    const std::int64_t v1 = integer_in(f[6], 1, 5, "v1");
    distinct[6].insert(v1);
    if (v1 >= 1) ++v1_count[v1];
    distinct[7].insert(integer_in(f[7], 1, 15, "v2"));
    expect_fixed6_below(f[8], 100, "v3");
    if (::testing::Test::HasFailure()) return;  // one bad line is enough to show
  }
  // Every value of each range appears. A given one of m values is absent from n uniform draws
  // with probability (1 - 1/m)^n <= e^(-n/m), so some value is absent with probability at most
  // m e^(-n/m): 100 e^-1000 for K = 100, 1000 e^-100 < 4e-41 for N/K = 1000, 15 e^(-100000/15)
  // for v2. A seed that failed here would be a broken generator, not bad luck.
  EXPECT_EQ(distinct[0].size(), 100u);
  EXPECT_EQ(distinct[1].size(), 100u);
  EXPECT_EQ(distinct[2].size(), 1000u);
  EXPECT_EQ(distinct[3].size(), 100u);
  EXPECT_EQ(distinct[4].size(), 100u);
  EXPECT_EQ(distinct[5].size(), 1000u);
  EXPECT_EQ(distinct[6].size(), 5u);
  EXPECT_EQ(distinct[7].size(), 15u);
  // And uniformly: each v1 value's count is binomial(n, 1/5), standard deviation
  // sqrt(n p (1 - p)) = sqrt(100000 * 0.2 * 0.8) ~ 126.5; 6 sigma is 759.
  for (int v = 1; v <= 5; ++v) EXPECT_NEAR(v1_count[v], rows / 5, 759) << "v1 = " << v;
}

TEST(Datasets, GroupbyFewRowsAndNone) {
  ScratchDir dir;
  write_groupby_csv(dir.file("empty.csv"), {.rows = 0, .groups = 100, .missing = 0.0, .seed = 0});
  EXPECT_EQ(read_file(dir.file("empty.csv")), std::string(kGroupbyHeader) + "\n");

  // Fewer rows than groups: N/K is taken as 1, so id3 and id6 are all 1.
  write_groupby_csv(dir.file("few.csv"), {.rows = 5, .groups = 100, .missing = 0.0, .seed = 0});
  const std::string text = read_file(dir.file("few.csv"));
  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), 6u);
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = fields_of(lines[i]);
    ASSERT_EQ(f.size(), 9u);
    EXPECT_EQ(f[2], "id0000000001");
    EXPECT_EQ(f[5], "1");
  }

  // Ids beyond 3 digits print in full.
  write_groupby_csv(dir.file("wide.csv"), {.rows = 200, .groups = 5000, .missing = 0.0, .seed = 0});
  const std::string wide = read_file(dir.file("wide.csv"));
  bool four_digits = false;
  for (const auto line : lines_of(wide)) {
    const auto id1 = fields_of(line)[0];
    if (line != kGroupbyHeader) id_in(id1, static_cast<int>(id1.size()) - 2, 1, 5000, "id1");
    four_digits = four_digits || id1.size() == 6;
  }
  EXPECT_TRUE(four_digits);
}

TEST(Datasets, GroupbyMissingFractionAndTheValuesThatStay) {
  ScratchDir dir;
  const std::int64_t rows = 100'000;
  const double p = 0.05;
  write_groupby_csv(dir.file("na.csv"), {.rows = rows, .groups = 100, .missing = p, .seed = 3});
  write_groupby_csv(dir.file("full.csv"), {.rows = rows, .groups = 100, .missing = 0, .seed = 3});
  const std::string na_text = read_file(dir.file("na.csv"));
  const std::string full_text = read_file(dir.file("full.csv"));
  const auto na = lines_of(na_text);
  const auto full = lines_of(full_text);
  ASSERT_EQ(na.size(), static_cast<std::size_t>(rows + 1));
  ASSERT_EQ(full.size(), na.size());
  EXPECT_EQ(na[0], kGroupbyHeader);

  std::int64_t empty[9] = {}, empty_rows = 0;
  for (std::size_t i = 1; i < na.size(); ++i) {
    const auto f = fields_of(na[i]);
    const auto g = fields_of(full[i]);
    ASSERT_EQ(f.size(), 9u) << "line " << i << ": " << na[i];
    bool any = false;
    for (int c = 0; c < 9; ++c) {
      if (f[c].empty()) {
        ++empty[c];
        any = true;
      } else {
        ASSERT_EQ(f[c], g[c]) << "line " << i << " column " << c;
      }
    }
    empty_rows += any;
  }
  // Each column's empty count is binomial(n, p): standard deviation sqrt(n p (1 - p)) =
  // sqrt(100000 * 0.05 * 0.95) ~ 68.9, so 6 sigma is 413 fields (0.4% of the rows); a column
  // outside that would happen by chance with probability ~2e-9.
  for (int c = 0; c < 9; ++c) EXPECT_NEAR(empty[c], p * rows, 413) << "column " << c;
  // Independence across columns: a row has some empty field with probability 1 - (1 - p)^9
  // ~ 0.3698, standard deviation sqrt(100000 * 0.3698 * 0.6302) ~ 152.7; 6 sigma is 916.
  EXPECT_NEAR(empty_rows, (1 - std::pow(1 - p, 9)) * rows, 916);
}

TEST(Datasets, TutorialValues) {
  ScratchDir dir;
  const std::int64_t rows = 50'000;
  write_tutorial_csv(dir.file("t.csv"), {.rows = rows, .categories = 10, .seed = 5});
  write_tutorial_csv(dir.file("same.csv"), {.rows = rows, .categories = 10, .seed = 5});
  write_tutorial_csv(dir.file("other.csv"), {.rows = rows, .categories = 10, .seed = 6});
  const std::string text = read_file(dir.file("t.csv"));
  EXPECT_EQ(text, read_file(dir.file("same.csv")));
  EXPECT_NE(text, read_file(dir.file("other.csv")));

  const auto lines = lines_of(text);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(rows + 1));
  EXPECT_EQ(lines[0], "id,column,category,value");
  std::set<std::int64_t> columns, categories;
  double sum = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto f = fields_of(lines[i]);
    ASSERT_EQ(f.size(), 4u) << "line " << i << ": " << lines[i];
    EXPECT_EQ(integer_in(f[0], 0, rows - 1, "id"), static_cast<std::int64_t>(i - 1));
    columns.insert(integer_in(f[1], 0, 19, "column"));
    ASSERT_EQ(f[2].substr(0, 3), "cat") << "line " << i;
    categories.insert(integer_in(f[2].substr(3), 0, 9, "category"));
    expect_fixed6_below(f[3], 1, "value");
    sum += std::stod(std::string(f[3]));
    if (::testing::Test::HasFailure()) return;
  }
  // All 20 columns and 10 categories appear: some value is absent with probability at most
  // 20 e^(-50000/20), vanishingly small.
  EXPECT_EQ(columns.size(), 20u);
  EXPECT_EQ(categories.size(), 10u);
  // The mean of n uniform [0, 1) values has standard deviation sqrt(1/12 / n) ~ 0.00129;
  // 6 sigma is 0.0078.
  EXPECT_NEAR(sum / rows, 0.5, 0.0078);

  write_tutorial_csv(dir.file("empty.csv"), {.rows = 0, .categories = 1, .seed = 0});
  EXPECT_EQ(read_file(dir.file("empty.csv")), "id,column,category,value\n");
}

TEST(Datasets, BadArgumentsThrowNamingTheValue) {
  ScratchDir dir;
  const std::string path = dir.file("x.csv");
  expect_error_naming<std::invalid_argument>(
      [&] { write_groupby_csv(path, {.rows = -1, .groups = 100, .missing = 0, .seed = 0}); },
      "rows -1");
  expect_error_naming<std::invalid_argument>(
      [&] { write_groupby_csv(path, {.rows = 10, .groups = 0, .missing = 0, .seed = 0}); },
      "groups 0");
  expect_error_naming<std::invalid_argument>(
      [&] { write_groupby_csv(path, {.rows = 10, .groups = 10, .missing = 1.0, .seed = 0}); },
      "missing 1");
  expect_error_naming<std::invalid_argument>(
      [&] { write_groupby_csv(path, {.rows = 10, .groups = 10, .missing = -0.25, .seed = 0}); },
      "missing -0.25");
  expect_error_naming<std::invalid_argument>(
      [&] {
        write_groupby_csv(path, {.rows = 10,
                                 .groups = 10,
                                 .missing = std::numeric_limits<double>::quiet_NaN(),
                                 .seed = 0});
      },
      "missing nan");
  expect_error_naming<std::invalid_argument>(
      [&] { write_tutorial_csv(path, {.rows = -5, .categories = 10, .seed = 0}); }, "rows -5");
  expect_error_naming<std::invalid_argument>(
      [&] { write_tutorial_csv(path, {.rows = 5, .categories = 0, .seed = 0}); }, "categories 0");
  EXPECT_FALSE(fs::exists(path));  // nothing is written for bad arguments

  const std::string unwritable = dir.file("no/such/dir/x.csv");
  expect_error_naming<std::runtime_error>(
      [&] { write_groupby_csv(unwritable, {.rows = 1, .groups = 1, .missing = 0, .seed = 0}); },
      "'" + unwritable + "': " + std::strerror(ENOENT));
  expect_error_naming<std::runtime_error>(
      [&] { write_tutorial_csv(unwritable, {.rows = 1, .categories = 1, .seed = 0}); },
      "'" + unwritable + "': " + std::strerror(ENOENT));
  // A write that fails after the open (a full disk) is an error too, not a short file.
  if (fs::exists("/dev/full")) {
    expect_error_naming<std::runtime_error>(
        [&] { write_tutorial_csv("/dev/full", {.rows = 100'000, .categories = 1, .seed = 0}); },
        std::string("'/dev/full': ") + std::strerror(ENOSPC));
  }
}

}  // namespace
