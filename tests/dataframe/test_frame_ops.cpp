// The lazy frame's remaining operations: head, Series compute / value_counts / nunique,
// describe, to_csv per partition, and Table::sort_values, each compared with a result computed
// here from the file's lines.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "frame_test_support.hpp"
#include "tessera/dataframe.hpp"
#include "tessera/dataframe/datasets.hpp"
#include "tessera/tessera.hpp"

namespace dd = tessera::dataframe;
namespace fs = std::filesystem;

namespace {

using namespace dataframe_test;

class FrameOps : public FrameTest {};

// NumPy's linear quantile of sorted values (pandas' describe uses it).
double numpy_quantile(const std::vector<double>& sorted, double q) {
  const double at = static_cast<double>(sorted.size() - 1) * q;
  const auto lo = static_cast<std::size_t>(std::floor(at));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double t = at - std::floor(at), a = sorted[lo], b = sorted[hi];
  return t >= 0.5 ? b - (b - a) * (1 - t) : a + (b - a) * t;
}

}  // namespace

// head(n) takes rows in partition order across as many partitions as n needs, masked or not.
TEST_P(FrameOps, HeadTakesTheFirstRowsAcrossPartitions) {
  const std::string file = path("t.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 3000, .seed = 5});
  const std::vector<Row> rows = tutorial_rows(file);
  auto df = dd::read_csv(file, {.blocksize = "4kB"});
  ASSERT_GT(df.npartitions(), 10u);

  const dd::Table five = df.head();
  EXPECT_EQ(five.column_names(), df.columns());
  EXPECT_EQ(ints(five, "id"), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(five.string_at("category", 3), rows[3].category);
  EXPECT_EQ(df.head(0).num_rows(), 0u);
  EXPECT_EQ(df.head(0).column_names(), df.columns());

  // More rows than several partitions hold; and more than the frame has.
  for (std::size_t n :
       {std::size_t{700}, std::size_t{2999}, std::size_t{3000}, std::size_t{5000}}) {
    const dd::Table t = df.head(n);
    std::vector<std::int64_t> expected;
    for (std::size_t i = 0; i < std::min(n, rows.size()); ++i) expected.push_back(rows[i].id);
    EXPECT_EQ(ints(t, "id"), expected) << n;
  }

  // Masked and projected: the first rows that pass.
  const dd::Table masked = df[df["category"] == "cat1"][{"id", "value"}].head(40);
  std::vector<std::int64_t> expected;
  for (const Row& r : rows)
    if (r.category == "cat1" && expected.size() < 40) expected.push_back(r.id);
  EXPECT_EQ(masked.column_names(), (std::vector<std::string>{"id", "value"}));
  EXPECT_EQ(ints(masked, "id"), expected);

  // A groupby result (one partition) keeps its index.
  const dd::Table grouped = df.groupby("category").size().head(3);
  EXPECT_EQ(grouped.index_columns(), 1u);
  EXPECT_EQ(grouped.num_rows(), 3u);
  EXPECT_EQ(grouped.string_at("category", 0), "cat0");
}

// head(n) runs no partition beyond those it needs (one, then two, four, ... at a time): here
// partitions 3 and later fail, and five rows are found in partitions 0 to 2.
TEST_P(FrameOps, HeadRunsOnlyThePartitionsItNeeds) {
  // One partition per file; files 3 to 5 hold a value their given type refuses, so reading one
  // of them fails, naming it.
  for (int p = 0; p < 6; ++p) {
    std::ofstream out(path("part" + std::to_string(p) + ".csv"));
    out << "a\n";
    if (p < 3)
      out << 2 * p << "\n" << 2 * p + 1 << "\n";
    else
      out << "bad\nbad\n";
  }
  const auto df = dd::read_csv(path("part*.csv"), {.dtype = {{"a", dd::ColumnType::int64}}});
  ASSERT_EQ(df.npartitions(), 6u);
  EXPECT_EQ(ints(df.head(5), "a"), (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_EQ(ints(df.head(1), "a"), (std::vector<std::int64_t>{0}));
  expect_throw_naming([&] { df.head(7); }, {"part3.csv", "bad"});
}

// A Series computes as one column named after it, expressions and masks evaluated per
// partition; a constant Series has one row per row of the frame.
TEST_P(FrameOps, SeriesComputesExpressionsUnderTheMask) {
  const std::string file = path("t.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 2000, .seed = 7});
  const std::vector<Row> rows = tutorial_rows(file);
  auto df = dd::read_csv(file, {.blocksize = "8kB"});

  const dd::Table doubled = (df["column"] * 2 + df["id"]).compute();
  ASSERT_EQ(doubled.column_names(), (std::vector<std::string>{"column"}));
  std::vector<std::int64_t> expected;
  for (const Row& r : rows) expected.push_back(r.column * 2 + r.id);
  EXPECT_EQ(ints(doubled, "column"), expected);

  auto masked = df[df["value"] < 0.25];
  const dd::Table values = masked["value"].compute();
  std::vector<double> expected_values;
  for (const Row& r : rows)
    if (r.value < 0.25) expected_values.push_back(r.value);
  const auto got = values.column<double>("value");
  EXPECT_EQ(std::vector<double>(got.begin(), got.end()), expected_values);

  const dd::Table threes = masked["id"].constant(3).compute();
  ASSERT_EQ(threes.num_rows(), expected_values.size());
  EXPECT_EQ(threes.column<std::int64_t>("3")[0], 3);

  // A groupby result's Series keeps the keys as its index.
  const dd::Table sizes = df.groupby("category").size()["size"].compute();
  EXPECT_EQ(sizes.column_names(), (std::vector<std::string>{"category", "size"}));
  EXPECT_EQ(sizes.index_columns(), 1u);
}

// value_counts: counts per value, most frequent first, ties by value; missing values dropped.
// nunique: the number of those values.
TEST_P(FrameOps, ValueCountsAndNuniqueMatchTheRows) {
  const std::string file = path("t.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 4000, .categories = 9, .seed = 11});
  const std::vector<Row> rows = tutorial_rows(file);
  auto df = dd::read_csv(file, {.blocksize = "8kB"});

  std::map<std::string, std::int64_t> by_category;
  std::map<std::int64_t, std::int64_t> by_column;  // of column * 2, where value >= 0.5
  for (const Row& r : rows) {
    ++by_category[r.category];
    if (r.value >= 0.5) ++by_column[r.column * 2];
  }
  const auto sorted = [](const auto& counts) {
    std::vector<std::pair<typename std::decay_t<decltype(counts)>::key_type, std::int64_t>> v(
        counts.begin(), counts.end());
    std::stable_sort(v.begin(), v.end(),
                     [](const auto& a, const auto& b) { return a.second > b.second; });
    return v;
  };

  const dd::Table categories = df["category"].value_counts();
  ASSERT_EQ(categories.column_names(), (std::vector<std::string>{"category", "count"}));
  EXPECT_EQ(categories.index_columns(), 1u);
  const auto expected_categories = sorted(by_category);
  ASSERT_EQ(categories.num_rows(), expected_categories.size());
  for (std::size_t i = 0; i < expected_categories.size(); ++i) {
    EXPECT_EQ(categories.string_at("category", i), expected_categories[i].first);
    EXPECT_EQ(categories.column<std::int64_t>("count")[i], expected_categories[i].second);
  }
  EXPECT_EQ(df["category"].nunique(), static_cast<std::int64_t>(by_category.size()));

  auto high = df[df["value"] >= 0.5];
  const dd::Table columns = (high["column"] * 2).value_counts();
  const auto expected_columns = sorted(by_column);
  ASSERT_EQ(columns.num_rows(), expected_columns.size());
  for (std::size_t i = 0; i < expected_columns.size(); ++i) {
    EXPECT_EQ(columns.column<std::int64_t>("column")[i], expected_columns[i].first);
    EXPECT_EQ(columns.column<std::int64_t>("count")[i], expected_columns[i].second);
  }
  EXPECT_EQ((high["column"] * 2).nunique(), static_cast<std::int64_t>(by_column.size()));

  // Ties by value, ascending (false before true); a bool expression counts too.
  const std::string ties = write("ties.csv", "k,x\nb,1\na,2\nb,3\na,\nc,1\n,2\nc,\n");
  auto small = dd::read_csv(ties);
  const dd::Table k = small["k"].value_counts();
  ASSERT_EQ(k.num_rows(), 3u);
  EXPECT_EQ(k.string_at("k", 0), "a");
  EXPECT_EQ(k.string_at("k", 1), "b");
  EXPECT_EQ(k.string_at("k", 2), "c");
  EXPECT_EQ(ints(k, "count"), (std::vector<std::int64_t>{2, 2, 2}));
  const dd::Table x = small["x"].value_counts();  // 2 missing dropped
  EXPECT_EQ(ints(x, "x"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(ints(x, "count"), (std::vector<std::int64_t>{2, 2, 1}));
  EXPECT_EQ(small["x"].nunique(), 3);
  const dd::Table big = (small["x"] > 1).value_counts();  // missing compares false
  ASSERT_EQ(big.num_rows(), 2u);
  EXPECT_EQ(big.column<bool>("x")[0], false);
  EXPECT_EQ(ints(big, "count"), (std::vector<std::int64_t>{4, 3}));

  const std::string named = write("count.csv", "count\n1\n");
  expect_throw_naming([&] { dd::read_csv(named)["count"].value_counts(); }, {"'count'"});
}

// describe(): count, mean, std, min, quartiles (exact) and max of each numeric column.
TEST_P(FrameOps, DescribeGivesPandasStatistics) {
  const std::string small = write("small.csv", "a,b,s\n4,1.5,x\n1,,y\n3,-2.0,z\n2,,w\n,8.25,v\n");
  const dd::Table d = dd::read_csv(small).describe();
  ASSERT_EQ(d.column_names(), (std::vector<std::string>{"", "a", "b"}));
  EXPECT_EQ(d.index_columns(), 1u);
  const std::vector<std::string> statistics = {"count", "mean", "std", "min",
                                               "25%",   "50%",  "75%", "max"};
  ASSERT_EQ(d.num_rows(), statistics.size());
  for (std::size_t i = 0; i < statistics.size(); ++i) EXPECT_EQ(d.string_at("", i), statistics[i]);
  const auto a = d.column<double>("a");
  EXPECT_EQ(std::vector<double>(a.begin(), a.end()),
            (std::vector<double>{4, 2.5, std::sqrt(5.0 / 3.0), 1, 1.75, 2.5, 3.25, 4}));
  const auto b =
      d.column<double>("b");  // 1.5, -2, 8.25: mean 2.5833.., quartiles -0.25, 1.5, 4.875
  EXPECT_EQ(b[0], 3);
  EXPECT_DOUBLE_EQ(b[1], 7.75 / 3);
  EXPECT_EQ(b[3], -2.0);
  EXPECT_EQ(b[4], -0.25);
  EXPECT_EQ(b[5], 1.5);
  EXPECT_EQ(b[6], 4.875);
  EXPECT_EQ(b[7], 8.25);

  const std::string file = path("t.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 3001, .seed = 13});
  const std::vector<Row> rows = tutorial_rows(file);
  auto df = dd::read_csv(file, {.blocksize = "8kB"});
  const dd::Table t = df[df["column"] != 4].describe();
  ASSERT_EQ(t.column_names(), (std::vector<std::string>{"", "id", "column", "value"}));
  std::map<std::string, std::vector<double>> columns;
  for (const Row& r : rows)
    if (r.column != 4) {
      columns["id"].push_back(static_cast<double>(r.id));
      columns["column"].push_back(static_cast<double>(r.column));
      columns["value"].push_back(r.value);
    }
  for (auto& [name, x] : columns) {
    SCOPED_TRACE(name);
    const auto got = t.column<double>(name);
    const double n = static_cast<double>(x.size());
    double sum = 0, abs_sum = 0;
    for (double v : x) sum += v, abs_sum += std::abs(v);
    const double mean = sum / n;
    double squares = 0;
    for (double v : x) squares += (v - mean) * (v - mean);
    std::sort(x.begin(), x.end());
    EXPECT_EQ(got[0], n);
    EXPECT_NEAR(got[1], mean, 4 * n * std::numeric_limits<double>::epsilon() * abs_sum / n);
    EXPECT_NEAR(got[2], std::sqrt(squares / (n - 1)), 1e-9 * std::sqrt(squares / (n - 1)));
    EXPECT_EQ(got[3], x.front());
    EXPECT_EQ(got[4], numpy_quantile(x, 0.25));
    EXPECT_EQ(got[5], numpy_quantile(x, 0.5));
    EXPECT_EQ(got[6], numpy_quantile(x, 0.75));
    EXPECT_EQ(got[7], x.back());
  }

  // Nothing numeric to describe: an error naming the columns.
  expect_throw_naming([&] { df[{"category"}].describe(); }, {"category (string)"});
  // An empty selection of rows: count 0, the rest NaN.
  const dd::Table none = df[df["column"] > 100].describe();
  EXPECT_EQ(none.column<double>("value")[0], 0);
  EXPECT_TRUE(std::isnan(none.column<double>("value")[1]));
  EXPECT_TRUE(std::isnan(none.column<double>("value")[5]));
}

// to_csv writes one file per partition, named by its number; reading them back in order gives
// the frame's rows.
TEST_P(FrameOps, ToCsvWritesOneFilePerPartition) {
  const std::string file = path("t.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 2500, .seed = 17});
  auto df = dd::read_csv(file, {.blocksize = "10kB"});
  auto masked = df[df["column"] > 9][{"id", "category", "value"}];
  const std::vector<std::string> paths = masked.to_csv(path("out/part-*.csv"));
  ASSERT_EQ(paths.size(), df.npartitions());
  ASSERT_GT(paths.size(), 3u);
  const dd::Table all = masked.compute();
  std::vector<std::int64_t> ids;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    EXPECT_EQ(paths[i], path("out/part-" + std::to_string(i) + ".csv"));
    ASSERT_TRUE(fs::exists(paths[i]));
    const dd::Table part = dd::read_csv(paths[i]).compute();
    if (part.num_rows() == 0) continue;
    EXPECT_EQ(part.column_names(), (std::vector<std::string>{"id", "category", "value"}));
    const auto got = ints(part, "id");
    ids.insert(ids.end(), got.begin(), got.end());
  }
  EXPECT_EQ(ids, ints(all, "id"));
  // The whole file's bytes: the partitions' files one after another, less their headers.
  std::string joined;
  for (const std::string& p : paths) {
    std::ifstream in(p, std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), {});
    joined += body.substr(joined.empty() ? 0 : body.find('\n') + 1);
  }
  all.to_csv(path("all.csv"));
  std::ifstream in(path("all.csv"), std::ios::binary);
  EXPECT_EQ(joined, std::string((std::istreambuf_iterator<char>(in)), {}));

  expect_throw_naming([&] { df.to_csv(path("no-star.csv")); }, {path("no-star.csv"), "'*'"});
  expect_throw_naming([&] { df.to_csv(path("a*b*.csv")); }, {path("a*b*.csv")});
}

// sort_values: stable, missing last either way, strings bytewise, every column moved.
TEST_P(FrameOps, SortValuesIsStableWithMissingLast) {
  const std::string file = write("s.csv",
                                 "k,x,f,s\n"
                                 "1,3,0.5,b\n"
                                 "2,,-1.0,B\n"
                                 "3,1,,a\n"
                                 "4,3,-0.0,\n"
                                 "5,1,0.0,b\n"
                                 "6,2,2.5,ab\n");
  const dd::Table t = dd::read_csv(file).compute();
  EXPECT_EQ(ints(t.sort_values({"x"}), "k"), (std::vector<std::int64_t>{3, 5, 6, 1, 4, 2}));
  EXPECT_EQ(ints(t.sort_values({"x"}, false), "k"), (std::vector<std::int64_t>{1, 4, 6, 3, 5, 2}));
  // -0.0 and 0.0 are equal: they keep their order.
  EXPECT_EQ(ints(t.sort_values({"f"}), "k"), (std::vector<std::int64_t>{2, 4, 5, 1, 6, 3}));
  EXPECT_EQ(ints(t.sort_values({"f"}, false), "k"), (std::vector<std::int64_t>{6, 1, 4, 5, 2, 3}));
  // Bytewise: "B" < "a" < "ab" < "b".
  const dd::Table by_s = t.sort_values({"s"});
  EXPECT_EQ(ints(by_s, "k"), (std::vector<std::int64_t>{2, 3, 6, 1, 5, 4}));
  EXPECT_EQ(by_s.string_at("s", 1), "a");
  EXPECT_FALSE(by_s.at("s").is_valid(5));
  EXPECT_EQ(ints(t.sort_values({"s", "x"}, false), "k"),
            (std::vector<std::int64_t>{1, 5, 6, 3, 2, 4}));
  EXPECT_EQ(ints(t.sort_values({"x", "f"}), "k"), (std::vector<std::int64_t>{5, 3, 6, 4, 1, 2}));
  const dd::Table moved = t.sort_values({"x", "f"});
  EXPECT_FALSE(moved.at("x").is_valid(5));
  EXPECT_EQ(moved.column<double>("f")[0], 0.0);

  // A groupby result sorted by its value: the keys (index) move with their rows.
  auto df = dd::read_csv(file);
  const dd::Table sums = df.groupby("x").sum().compute().sort_values({"k"}, false);
  EXPECT_EQ(sums.index_columns(), 1u);
  EXPECT_EQ(ints(sums, "x"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(ints(sums, "k"), (std::vector<std::int64_t>{8, 6, 5}));
  const dd::Table by_f = df.groupby("x").sum().compute().sort_values({"f"});
  EXPECT_EQ(ints(by_f, "x"), (std::vector<std::int64_t>{1, 3, 2}));  // sums 0.0, 2.5, 0.5

  expect_throw_naming([&] { t.sort_values({"nope"}); }, {"'nope'"});
  expect_throw_naming([&] { t.sort_values({}); }, {"at least one column"});
}

INSTANTIATE_TEST_SUITE_P(Workers, FrameOps, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param); });
