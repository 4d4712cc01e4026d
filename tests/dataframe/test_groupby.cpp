// groupby aggregations end to end: every aggregation on a hand-written file (values worked out by
// hand), every kind of key, the H2O groupby table against sums taken here line by line, masks
// fused into the groupby, and the errors of the lazy frame's API, each naming the bad value.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <tuple>

#include "frame_test_support.hpp"
#include "tessera/dataframe.hpp"
#include "tessera/dataframe/datasets.hpp"
#include "tessera/tessera.hpp"

namespace dd = tessera::dataframe;
namespace fs = std::filesystem;

namespace {

using namespace dataframe_test;

class Groupby : public FrameTest {};

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kEps = std::numeric_limits<double>::epsilon();

// Bit-exact comparison of float columns, NaN matching NaN.
void expect_same(const std::vector<double>& actual, const std::vector<double>& expected,
                 const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (std::size_t i = 0; i < actual.size(); ++i) {
    if (std::isnan(expected[i]))
      EXPECT_TRUE(std::isnan(actual[i])) << what << " row " << i << ": " << actual[i];
    else
      EXPECT_EQ(actual[i], expected[i]) << what << " row " << i;
  }
}

// ---------------------------------------------------------------------------------------------
// 1. Every aggregation on a small file, worked out by hand.

// Key k (string, missing in two rows: those rows are dropped), x int64 with missing values,
// y float64 with missing values, s string. The groups:
//   a: x {1, 7}       y {1.5, 2.5}          s 2 present of 3 rows
//   b: x {2, -3, 4}   y {-1, 8, 0.5}        s 4 of 4
//   c: x {4}          y {0.25}              s 1 of 1
//   d: x {}           y {}                  s 1 of 1
// Every value, partial mean and M2 below is a small dyadic rational (or n * it is), so Welford's
// updates and Chan's merges are exact for any contiguous split of the rows: the results are
// compared bit for bit. (Checked by hand for b's every split: {2}|{-3,4} and {2,-3}|{4} both
// give mean 1 and M2 26 exactly; for y {-1}|{8,0.5} and {-1,8}|{0.5} both give 2.5 and 46.5.)
const char* const kSmall =
    "k,x,y,s\n"
    "a,1,1.5,foo\n"
    "b,2,NA,bar\n"
    "a,,2.5,\n"
    "c,4,0.25,baz\n"
    "b,NA,-1.0,qux\n"
    "a,7,,foo\n"
    ",5,3.0,zzz\n"
    "d,,,x\n"
    "b,-3,8.0,y\n"
    "NA,9,9.0,w\n"
    "b,4,0.5,\"v\"\n";

const std::vector<std::string> kSmallKeys = {"a", "b", "c", "d"};

TEST_P(Groupby, EveryAggregationOnAHandWrittenFile) {
  const std::string file = write("small.csv", kSmall);
  for (const std::string blocksize : {"", "9", "40"}) {
    SCOPED_TRACE("blocksize " + blocksize);
    auto df = dd::read_csv(file, {.blocksize = blocksize});
    ASSERT_EQ(df.dtype("k"), dd::ColumnType::string);
    ASSERT_EQ(df.dtype("x"), dd::ColumnType::int64);
    ASSERT_EQ(df.dtype("y"), dd::ColumnType::float64);
    ASSERT_EQ(df.dtype("s"), dd::ColumnType::string);
    auto check_index = [](const dd::Table& t) {
      EXPECT_EQ(t.index_columns(), 1u);
      EXPECT_EQ(t.type("k"), dd::ColumnType::string);
      EXPECT_EQ(strings(t, "k"), kSmallKeys);
    };

    {  // sum: numbers only (s dropped); int64 stays int64, an empty group sums to 0
      const dd::Table t = df.groupby("k").sum().compute();
      EXPECT_EQ(t.column_names(), (std::vector<std::string>{"k", "x", "y"}));
      check_index(t);
      EXPECT_EQ(t.type("x"), dd::ColumnType::int64);
      EXPECT_EQ(t.type("y"), dd::ColumnType::float64);
      EXPECT_EQ(ints(t, "x"), (std::vector<std::int64_t>{8, 3, 4, 0}));
      expect_same(doubles(t, "y"), {4.0, 7.5, 0.25, 0.0}, "sum y");
    }
    {  // mean: float64, NaN for a group without values
      const dd::Table t = df.groupby("k").mean().compute();
      EXPECT_EQ(t.column_names(), (std::vector<std::string>{"k", "x", "y"}));
      check_index(t);
      EXPECT_EQ(t.type("x"), dd::ColumnType::float64);
      EXPECT_EQ(t.type("y"), dd::ColumnType::float64);
      expect_same(doubles(t, "x"), {4.0, 1.0, 4.0, kNaN}, "mean x");
      expect_same(doubles(t, "y"), {2.0, 2.5, 0.25, kNaN}, "mean y");
    }
    {  // count: every column (strings too), int64
      const dd::Table t = df.groupby("k").count().compute();
      EXPECT_EQ(t.column_names(), (std::vector<std::string>{"k", "x", "y", "s"}));
      check_index(t);
      for (const char* c : {"x", "y", "s"}) EXPECT_EQ(t.type(c), dd::ColumnType::int64) << c;
      EXPECT_EQ(ints(t, "x"), (std::vector<std::int64_t>{2, 3, 1, 0}));
      EXPECT_EQ(ints(t, "y"), (std::vector<std::int64_t>{2, 3, 1, 0}));
      EXPECT_EQ(ints(t, "s"), (std::vector<std::int64_t>{2, 4, 1, 1}));
    }
    {  // size: rows per group, missing values or not
      const dd::Table t = df.groupby("k").size().compute();
      EXPECT_EQ(t.column_names(), (std::vector<std::string>{"k", "size"}));
      check_index(t);
      EXPECT_EQ(t.type("size"), dd::ColumnType::int64);
      EXPECT_EQ(ints(t, "size"), (std::vector<std::int64_t>{3, 4, 1, 1}));
    }
    for (const bool is_min : {true, false}) {  // min, max keep the type; d has none
      SCOPED_TRACE(is_min ? "min" : "max");
      const dd::Table t = (is_min ? df.groupby("k").min() : df.groupby("k").max()).compute();
      EXPECT_EQ(t.column_names(), (std::vector<std::string>{"k", "x", "y"}));
      check_index(t);
      ASSERT_EQ(t.type("x"), dd::ColumnType::int64);
      EXPECT_EQ(t.type("y"), dd::ColumnType::float64);
      EXPECT_EQ(validity(t, "x"), (std::vector<bool>{true, true, true, false}));
      const auto x = ints(t, "x");
      ASSERT_EQ(x.size(), 4u);
      EXPECT_EQ(
          std::vector<std::int64_t>(x.begin(), x.begin() + 3),
          is_min ? (std::vector<std::int64_t>{1, -3, 4}) : (std::vector<std::int64_t>{7, 4, 4}));
      expect_same(doubles(t, "y"),
                  is_min ? std::vector<double>{1.5, -1.0, 0.25, kNaN}
                         : std::vector<double>{2.5, 8.0, 0.25, kNaN},
                  "y");
    }
    // var, std: M2 of x is a 18, b 26, c 0 (n 1); of y a 0.5, b 46.5, c 0; divisor n - ddof,
    // NaN where n <= ddof (and for d, n = 0).
    struct Moments {
      int ddof;
      std::vector<double> x, y;
    };
    for (const Moments& m : {Moments{1, {18.0, 13.0, kNaN, kNaN}, {0.5, 23.25, kNaN, kNaN}},
                             Moments{0, {9.0, 26.0 / 3.0, 0.0, kNaN}, {0.25, 15.5, 0.0, kNaN}},
                             Moments{2, {kNaN, 26.0, kNaN, kNaN}, {kNaN, 46.5, kNaN, kNaN}}}) {
      SCOPED_TRACE("ddof " + std::to_string(m.ddof));
      const dd::Table var = df.groupby("k").var(m.ddof).compute();
      const dd::Table std = df.groupby("k").std(m.ddof).compute();
      for (const dd::Table* t : {&var, &std}) {
        EXPECT_EQ(t->column_names(), (std::vector<std::string>{"k", "x", "y"}));
        check_index(*t);
        EXPECT_EQ(t->type("x"), dd::ColumnType::float64);
        EXPECT_EQ(t->type("y"), dd::ColumnType::float64);
      }
      expect_same(doubles(var, "x"), m.x, "var x");
      expect_same(doubles(var, "y"), m.y, "var y");
      // sqrt is correctly rounded: the std of an exact variance is exact too.
      std::vector<double> sx, sy;
      for (double v : m.x) sx.push_back(std::sqrt(v));
      for (double v : m.y) sy.push_back(std::sqrt(v));
      expect_same(doubles(std, "x"), sx, "std x");
      expect_same(doubles(std, "y"), sy, "std y");
    }
    {  // agg: the columns in the order given, each with its own aggregation
      const dd::Table t = df.groupby("k").agg({{"y", "max"}, {"x", "mean"}}).compute();
      EXPECT_EQ(t.column_names(), (std::vector<std::string>{"k", "y", "x"}));
      check_index(t);
      expect_same(doubles(t, "x"), {4.0, 1.0, 4.0, kNaN}, "agg mean x");
      expect_same(doubles(t, "y"), {2.5, 8.0, 0.25, kNaN}, "agg max y");
      const dd::Table u = df.groupby("k").agg({{"x", "mean"}, {"y", "max"}}).compute();
      EXPECT_EQ(u.column_names(), (std::vector<std::string>{"k", "x", "y"}));
      expect_same(doubles(u, "x"), {4.0, 1.0, 4.0, kNaN}, "agg mean x");
      expect_same(doubles(u, "y"), {2.5, 8.0, 0.25, kNaN}, "agg max y");
    }
    {  // several aggregations of different columns in one pass, and the lazy frame's schema
      const auto lazy = df.groupby("k").agg({{"x", "min"}, {"s", "count"}, {"y", "var"}});
      EXPECT_EQ(lazy.columns(), (std::vector<std::string>{"k", "x", "s", "y"}));
      EXPECT_EQ(lazy.dtype("x"), dd::ColumnType::int64);
      EXPECT_EQ(lazy.dtype("s"), dd::ColumnType::int64);
      EXPECT_EQ(lazy.dtype("y"), dd::ColumnType::float64);
      const dd::Table t = lazy.compute();
      EXPECT_EQ(validity(t, "x"), (std::vector<bool>{true, true, true, false}));
      EXPECT_EQ(ints(t, "x")[1], -3);
      EXPECT_EQ(ints(t, "s"), (std::vector<std::int64_t>{2, 4, 1, 1}));
      expect_same(doubles(t, "y"), {0.5, 23.25, kNaN, kNaN}, "var y");
    }
  }
}

// A filter that keeps no row: the result has the columns and types, and no row.
TEST_P(Groupby, NoRowsLeftGiveAnEmptyResult) {
  const std::string file = write("small.csv", kSmall);
  auto df = dd::read_csv(file, {.blocksize = "30"});
  const dd::Table t = df[df["x"] > 100].groupby("k").agg({{"x", "sum"}, {"y", "mean"}}).compute();
  EXPECT_EQ(t.column_names(), (std::vector<std::string>{"k", "x", "y"}));
  EXPECT_EQ(t.num_rows(), 0u);
  EXPECT_EQ(t.type("x"), dd::ColumnType::int64);
  EXPECT_EQ(t.type("y"), dd::ColumnType::float64);
  EXPECT_EQ(df[df["x"] > 100].length(), 0u);
}

// ---------------------------------------------------------------------------------------------
// 2. Keys of every type.

TEST_P(Groupby, KeysOfEveryType) {
  {  // int64, negative values, a missing key dropped; sorted numerically
    auto df =
        dd::read_csv(write("i.csv", "k,v\n3,1\n-1,2\n3,4\n,8\n20,16\n-1,32\n"), {.blocksize = "8"});
    const dd::Table t = df.groupby("k").sum().compute();
    EXPECT_EQ(t.type("k"), dd::ColumnType::int64);
    EXPECT_EQ(ints(t, "k"), (std::vector<std::int64_t>{-1, 3, 20}));
    EXPECT_EQ(ints(t, "v"), (std::vector<std::int64_t>{34, 5, 16}));
  }
  {  // string: byte order ("B" < "a" < "ab" < "b")
    auto df = dd::read_csv(write("s.csv", "k,v\nb,1\na,2\nB,4\nab,8\nb,16\nNA,32\n"),
                           {.blocksize = "10"});
    const dd::Table t = df.groupby("k").sum().compute();
    EXPECT_EQ(strings(t, "k"), (std::vector<std::string>{"B", "a", "ab", "b"}));
    EXPECT_EQ(ints(t, "v"), (std::vector<std::int64_t>{4, 2, 8, 17}));
  }
  {  // bool: false before true, a missing key dropped
    auto df = dd::read_csv(write("b.csv", "k,v\nTrue,1\nfalse,2\n,4\nTRUE,8\nFalse,16\n"),
                           {.blocksize = "12"});
    ASSERT_EQ(df.dtype("k"), dd::ColumnType::boolean);
    const dd::Table t = df.groupby("k").agg({{"v", "sum"}, {"v", "size"}}).compute();
    EXPECT_EQ(t.type("k"), dd::ColumnType::boolean);
    EXPECT_EQ(bools(t, "k"), (std::vector<bool>{false, true}));
    EXPECT_EQ(ints(t, "v"), (std::vector<std::int64_t>{18, 9}));
    EXPECT_EQ(ints(t, "size"), (std::vector<std::int64_t>{2, 2}));
  }
  {  // float: -0.0 joins 0.0, NaN (missing) dropped, sorted numerically
    auto df = dd::read_csv(
        write("f.csv", "k,v\n1.5,1\n-0.0,2\n0.0,4\nNaN,8\n2.25,16\n-3,32\n1.5,64\n,128\n"),
        {.blocksize = "9"});
    ASSERT_EQ(df.dtype("k"), dd::ColumnType::float64);
    const dd::Table t = df.groupby("k").sum().compute();
    EXPECT_EQ(t.type("k"), dd::ColumnType::float64);
    expect_same(doubles(t, "k"), {-3.0, 0.0, 1.5, 2.25}, "float keys");
    EXPECT_EQ(ints(t, "v"), (std::vector<std::int64_t>{32, 6, 65, 16}));
  }
  {  // two keys, string then int64: sorted by the first, then the second; a row missing either
     // key is dropped
    auto df = dd::read_csv(
        write("two.csv", "s,i,v\nb,2,1\na,10,2\nb,1,4\na,10,8\n,1,16\nb,,32\na,2,64\nb,2,128\n"),
        {.blocksize = "11"});
    const dd::Table t = df.groupby({"s", "i"}).sum().compute();
    EXPECT_EQ(t.index_columns(), 2u);
    EXPECT_EQ(t.column_names(), (std::vector<std::string>{"s", "i", "v"}));
    EXPECT_EQ(strings(t, "s"), (std::vector<std::string>{"a", "a", "b", "b"}));
    EXPECT_EQ(ints(t, "i"), (std::vector<std::int64_t>{2, 10, 1, 2}));
    EXPECT_EQ(ints(t, "v"), (std::vector<std::int64_t>{64, 10, 4, 129}));
  }

  {  // two small-span keys (one dense array of slots): every pair is its own group, (1, 2)
     // apart from (2, 1); a bool second key too. One partition holds all the pairs.
    for (const std::string blocksize : {"", "13"}) {
      SCOPED_TRACE("blocksize " + blocksize);
      auto df =
          dd::read_csv(write("pq.csv",
                             "p,q,b,v\n1,2,True,1\n2,1,False,2\n1,1,True,4\n2,2,,8\n2,1,True,16\n"
                             "1,2,False,32\n,1,True,64\n1,1,False,128\n"),
                       {.blocksize = blocksize});
      const dd::Table t = df.groupby({"p", "q"}).agg({{"v", "sum"}}).compute();
      EXPECT_EQ(ints(t, "p"), (std::vector<std::int64_t>{1, 1, 2, 2}));
      EXPECT_EQ(ints(t, "q"), (std::vector<std::int64_t>{1, 2, 1, 2}));
      EXPECT_EQ(ints(t, "v"), (std::vector<std::int64_t>{132, 33, 18, 8}));
      const dd::Table u = df.groupby({"p", "b"}).agg({{"v", "sum"}}).compute();
      EXPECT_EQ(ints(u, "p"), (std::vector<std::int64_t>{1, 1, 2, 2}));
      EXPECT_EQ(bools(u, "b"), (std::vector<bool>{false, true, false, true}));
      EXPECT_EQ(ints(u, "v"), (std::vector<std::int64_t>{160, 5, 2, 16}));
    }
  }
}

// An int key whose values span far more than a partition's rows is grouped by hashing; a small
// span by direct indexing. `small` holds groups 1..7; `huge` the same groups with 7 written as
// 10^15. Group 7 appears only in the second half of the rows, so with small blocks the first
// partitions of `huge` take the dense path and the later ones the hashed path, and their
// partials merge. Every way gives the same groups, sums and sizes.
TEST_P(Groupby, HashedAndDenseIntKeysGiveTheSameGroups) {
  const std::int64_t big = 1'000'000'000'000'000;
  std::string text = "small,huge,v\n";
  std::map<std::int64_t, std::int64_t> sum, size;  // by the small key
  const int rows = 600;
  for (int r = 0; r < rows; ++r) {
    const std::int64_t g = 1 + (r * 5 + r / 7) % (r < rows / 2 ? 6 : 7);
    const std::int64_t v = r % 11 - 5;
    text +=
        std::to_string(g) + "," + std::to_string(g == 7 ? big : g) + "," + std::to_string(v) + "\n";
    sum[g] += v;
    ++size[g];
  }
  ASSERT_EQ(sum.size(), 7u);
  std::vector<std::int64_t> small_keys, huge_keys, sums, sizes;
  for (const auto& [k, s] : sum) {
    small_keys.push_back(k);
    huge_keys.push_back(k == 7 ? big : k);
    sums.push_back(s);
    sizes.push_back(size[k]);
  }
  const std::string file = write("keys.csv", text);
  for (const std::string blocksize : {"", "500"}) {
    SCOPED_TRACE("blocksize " + blocksize);
    auto df = dd::read_csv(file, {.blocksize = blocksize});
    for (const std::string key : {"small", "huge"}) {
      SCOPED_TRACE(key);
      const dd::Table t = df[{key, "v"}].groupby(key).agg({{"v", "sum"}, {"v", "size"}}).compute();
      EXPECT_EQ(ints(t, key), key == "small" ? small_keys : huge_keys);
      EXPECT_EQ(ints(t, "v"), sums);
      EXPECT_EQ(ints(t, "size"), sizes);
    }
    // Two int keys, in either order: with `huge` a partition has dense slots only where both
    // spans are small, and hashes otherwise.
    for (const std::vector<std::string>& keys :
         {std::vector<std::string>{"small", "huge"}, std::vector<std::string>{"huge", "small"}}) {
      SCOPED_TRACE(keys[0] + ", " + keys[1]);
      const dd::Table t = df.groupby(keys).agg({{"v", "sum"}}).compute();
      EXPECT_EQ(t.column_names(), (std::vector<std::string>{keys[0], keys[1], "v"}));
      EXPECT_EQ(ints(t, "small"), small_keys);
      EXPECT_EQ(ints(t, "huge"), huge_keys);
      EXPECT_EQ(ints(t, "v"), sums);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 3. The H2O groupby table against a reference taken here line by line.

// One value column's reference statistics for one group, from the file's text.
struct Stats {
  std::int64_t n = 0;      // values present
  std::int64_t isum = 0;   // exact integer sum (integer columns)
  double sum = 0;          // recursive sum in file order
  double abs_sum = 0;      // sum of |x|, for the error bound
  std::vector<double> xs;  // the values, for a two-pass variance
  void add(const std::string& field, bool integer) {
    if (field.empty()) return;
    ++n;
    if (integer) isum += std::stoll(field);
    const double x = std::stod(field);  // correctly rounded, as the parser's from_chars
    sum += x;
    abs_sum += std::abs(x);
    xs.push_back(x);
  }
  // Two-pass M2 = sum (x - mean)^2 in long double: its error (a few n * 2^-64 relative for
  // well-conditioned data) is far below the bounds the results are checked against.
  long double m2() const {
    long double mean = 0;
    for (double x : xs) mean += x;
    mean /= static_cast<long double>(n);
    long double m2 = 0;
    for (double x : xs) m2 += (x - mean) * (x - mean);
    return m2;
  }
  long double sum_sq() const {
    long double s = 0;
    for (double x : xs) s += static_cast<long double>(x) * x;
    return s;
  }
};

// Bound on |float sum - reference sum|: both are recursive (or tree) sums of the same n doubles
// in some order; each differs from the exact sum by at most (n - 1) u sum|x| (Higham, Accuracy
// and Stability, 4.2, u = eps / 2, for any summation tree), so they differ by at most
// (n - 1) eps sum|x| <= n eps sum|x|.
double sum_bound(const Stats& s) {
  return static_cast<double>(s.n) * kEps * s.abs_sum;
}
// A mean is a sum divided by n, each division adding a relative rounding of u to each side:
// |mean - reference| <= sum_bound / n + 2 u |mean| <= (n + 1) eps sum|x| / n, as |mean| <=
// sum|x|/n.
double mean_bound(const Stats& s) {
  return static_cast<double>(s.n + 1) * kEps * s.abs_sum / static_cast<double>(s.n);
}
// Welford's updates merged by Chan's rule: Chan, Golub and LeVeque (1983) bound the relative
// error of M2 by the updating algorithm by n kappa u to first order (pairwise merges by
// log2(n) kappa u, so any mix of the two by n kappa u), with kappa = sqrt(sum x^2 / M2) the
// condition number. The reference has (far smaller) errors too and the first-order bound drops
// O(u^2) terms: allow twice it, 2 n kappa eps = 4 n kappa u. var = M2 / (n - ddof) adds u; the
// square root halves a relative error and adds u: std's bound is half var's plus eps.
double var_relative_bound(const Stats& s) {
  const double kappa = std::sqrt(static_cast<double>(s.sum_sq() / s.m2()));
  return 2.0 * static_cast<double>(s.n) * kappa * kEps + kEps;
}

struct H2oRow {
  std::vector<std::string> f;  // id1 id2 id3 id4 id5 id6 v1 v2 v3 (empty: missing)
};

std::vector<H2oRow> h2o_rows(const std::string& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "id1,id2,id3,id4,id5,id6,v1,v2,v3");
  std::vector<H2oRow> rows;
  while (std::getline(in, line)) {
    rows.push_back({split(line)});
    EXPECT_EQ(rows.back().f.size(), 9u) << line;
  }
  return rows;
}

enum H2oColumn { id1, id2, id3, id4, id5, id6, v1, v2, v3 };

// Reference statistics of value column `value` per key `key` (string keys as they are, integer
// keys parsed), over the rows `keep` accepts; rows with a missing key are dropped.
template <class Key, class Keep>
std::map<Key, Stats> reference(const std::vector<H2oRow>& rows, H2oColumn key, H2oColumn value,
                               Keep&& keep) {
  std::map<Key, Stats> out;
  for (const H2oRow& r : rows) {
    if (r.f[key].empty() || !keep(r)) continue;
    Key k;
    if constexpr (std::is_same_v<Key, std::string>)
      k = r.f[key];
    else
      k = std::stoll(r.f[key]);
    out[k].add(r.f[value], value != v3);
  }
  return out;
}
template <class Key>
std::map<Key, Stats> reference(const std::vector<H2oRow>& rows, H2oColumn key, H2oColumn value) {
  return reference<Key>(rows, key, value, [](const H2oRow&) { return true; });
}

template <class Key>
std::vector<Key> keys_of(const dd::Table& t, const std::string& name) {
  if constexpr (std::is_same_v<Key, std::string>)
    return strings(t, name);
  else
    return ints(t, name);
}

template <class Key>
void expect_keys(const dd::Table& t, const std::string& name, const std::map<Key, Stats>& ref) {
  std::vector<Key> want;
  for (const auto& [k, s] : ref) want.push_back(k);
  EXPECT_EQ(keys_of<Key>(t, name), want) << name;
}

template <class Key>
void expect_int_sums(const dd::Table& t, const std::string& column,
                     const std::map<Key, Stats>& ref) {
  std::vector<std::int64_t> want;
  for (const auto& [k, s] : ref) want.push_back(s.isum);
  EXPECT_EQ(ints(t, column), want) << column;
}

template <class Key>
void expect_float_sums(const dd::Table& t, const std::string& column,
                       const std::map<Key, Stats>& ref, bool mean) {
  const auto got = t.column<double>(column);
  ASSERT_EQ(got.size(), ref.size()) << column;
  std::size_t g = 0;
  for (const auto& [k, s] : ref) {
    if (mean)
      EXPECT_NEAR(got[g], s.sum / static_cast<double>(s.n), mean_bound(s)) << column << " " << k;
    else
      EXPECT_NEAR(got[g], s.sum, sum_bound(s)) << column << " " << k;
    ++g;
  }
}

class H2o : public Groupby {
 protected:
  void SetUp() override {
    Groupby::SetUp();
    file_ = path("groupby.csv");
    dd::datasets::write_groupby_csv(file_,
                                    {.rows = 20000, .groups = 20, .missing = 0.05, .seed = 7});
    rows_ = h2o_rows(file_);
    ASSERT_EQ(rows_.size(), 20000u);
  }
  std::string file_;
  std::vector<H2oRow> rows_;
};

TEST_P(H2o, QueriesMatchTheRowsRead) {
  const auto q1 = reference<std::string>(rows_, id1, v1);
  const auto q2_v1 = reference<std::string>(rows_, id3, v1);
  const auto q2_v3 = reference<std::string>(rows_, id3, v3);
  const auto by_id6 = std::map<std::string, std::map<std::int64_t, Stats>>{
      {"id4", reference<std::int64_t>(rows_, id6, id4)},
      {"id5", reference<std::int64_t>(rows_, id6, id5)},
      {"v1", reference<std::int64_t>(rows_, id6, v1)},
      {"v2", reference<std::int64_t>(rows_, id6, v2)},
      {"v3", reference<std::int64_t>(rows_, id6, v3)}};
  const auto std_v3 = reference<std::int64_t>(rows_, id4, v3);
  ASSERT_EQ(q1.size(), 20u);
  ASSERT_GT(q2_v3.size(), 900u);
  // Every group has a few values: the bounds below divide by n.
  for (const auto& [k, s] : q2_v3) ASSERT_GT(s.n, 1) << k;

  std::map<std::string, dd::Table> first;  // each query's result at the first blocksize
  for (const std::string blocksize : {"", "64kB", "3000"}) {
    SCOPED_TRACE("blocksize " + blocksize);
    auto df = dd::read_csv(file_, {.blocksize = blocksize});
    if (blocksize == "3000") {
      EXPECT_GT(df.npartitions(), 200u);
    }
    EXPECT_EQ(df.dtype("v3"), dd::ColumnType::float64);
    EXPECT_EQ(df.dtype("v1"), dd::ColumnType::int64);
    EXPECT_EQ(df.dtype("id6"), dd::ColumnType::int64);

    std::map<std::string, dd::Table> results;
    {  // q1: sum v1 by id1
      const dd::Table t = df.groupby("id1").agg({{"v1", "sum"}}).compute();
      EXPECT_EQ(t.column_names(), (std::vector<std::string>{"id1", "v1"}));
      expect_keys(t, "id1", q1);
      expect_int_sums(t, "v1", q1);
      results["q1"] = t;
    }
    {  // q2: sum v1, mean v3 by id3
      const dd::Table t = df.groupby("id3").agg({{"v1", "sum"}, {"v3", "mean"}}).compute();
      expect_keys(t, "id3", q2_v1);
      expect_int_sums(t, "v1", q2_v1);
      expect_float_sums(t, "v3", q2_v3, true);
      results["q2"] = t;
    }
    {  // sum of every number column by id6 (the string columns dropped)
      const dd::Table t = df.groupby("id6").sum().compute();
      EXPECT_EQ(t.column_names(),
                (std::vector<std::string>{"id6", "id4", "id5", "v1", "v2", "v3"}));
      expect_keys(t, "id6", by_id6.at("v1"));
      for (const char* c : {"id4", "id5", "v1", "v2"}) expect_int_sums(t, c, by_id6.at(c));
      expect_float_sums(t, "v3", by_id6.at("v3"), false);
      results["id6"] = t;
    }
    {  // std and var of v3 by id4, against a two-pass reference
      const dd::Table s = df[{"id4", "v3"}].groupby("id4").std().compute();
      const dd::Table v = df.groupby("id4").agg({{"v3", "var"}}).compute();
      expect_keys(s, "id4", std_v3);
      expect_keys(v, "id4", std_v3);
      std::size_t g = 0;
      for (const auto& [k, st] : std_v3) {
        const double var = static_cast<double>(st.m2() / (st.n - 1));
        const double rel = var_relative_bound(st);
        EXPECT_NEAR(v.column<double>("v3")[g], var, rel * var) << k;
        EXPECT_NEAR(s.column<double>("v3")[g], std::sqrt(var), (rel / 2 + kEps) * std::sqrt(var))
            << k;
        ++g;
      }
      results["std"] = s;
      results["var"] = v;
    }
    {  // count (every column, strings too) and size by id1
      const dd::Table c = df.groupby("id1").count().compute();
      EXPECT_EQ(c.column_names(), (std::vector<std::string>{"id1", "id2", "id3", "id4", "id5",
                                                            "id6", "v1", "v2", "v3"}));
      const dd::Table z = df.groupby("id1").size().compute();
      const std::vector<std::string> names = {"id1", "id2", "id3", "id4", "id5",
                                              "id6", "v1",  "v2",  "v3"};
      for (int col = id2; col <= v3; ++col) {
        std::map<std::string, std::int64_t> present;
        for (const H2oRow& r : rows_)
          if (!r.f[id1].empty()) present[r.f[id1]] += !r.f[col].empty();
        std::vector<std::int64_t> want;
        for (const auto& [k, n] : present) want.push_back(n);
        EXPECT_EQ(ints(c, names[col]), want) << names[col];
      }
      std::map<std::string, std::int64_t> sizes;
      for (const H2oRow& r : rows_)
        if (!r.f[id1].empty()) ++sizes[r.f[id1]];
      std::vector<std::int64_t> want;
      for (const auto& [k, n] : sizes) want.push_back(n);
      EXPECT_EQ(ints(z, "size"), want);
      results["count"] = c;
      results["size"] = z;
    }
    if (first.empty()) {
      first = results;
      continue;
    }
    // Integer aggregates are the same at every blocksize; float ones within twice the bound
    // (each result is within the bound of the exact value).
    for (const char* q : {"q1", "q2", "id6", "count", "size"})
      for (const std::string& c : results[q].column_names())
        if (results[q].type(c) == dd::ColumnType::int64) {
          EXPECT_EQ(ints(results[q], c), ints(first[q], c)) << q << " " << c;
        }
    std::size_t g = 0;
    for (const auto& [k, s] : q2_v3) {
      EXPECT_NEAR(results["q2"].column<double>("v3")[g], first["q2"].column<double>("v3")[g],
                  2 * mean_bound(s));
      ++g;
    }
  }
}

// The combine tree's fan-in changes the order partials merge in, not the result: integer
// aggregates are identical, float ones within the bounds (twice the bound between two results).
TEST_P(H2o, SplitEveryDoesNotChangeTheResult) {
  const auto ref_v1 = reference<std::string>(rows_, id1, v1);
  const auto ref_v2 = reference<std::string>(rows_, id1, v2);
  const auto ref_id4 = reference<std::string>(rows_, id1, id4);
  const auto ref_v3 = reference<std::string>(rows_, id1, v3);
  const auto ref_id5 = reference<std::string>(rows_, id1, id5);
  std::vector<std::int64_t> min_v2, max_id4;
  for (const auto& [k, s] : ref_v2)
    min_v2.push_back(static_cast<std::int64_t>(*std::min_element(s.xs.begin(), s.xs.end())));
  for (const auto& [k, s] : ref_id4)
    max_id4.push_back(static_cast<std::int64_t>(*std::max_element(s.xs.begin(), s.xs.end())));
  auto df = dd::read_csv(file_, {.blocksize = "3000"});
  ASSERT_GT(df.npartitions(), 200u);  // a tree of several levels for every fan-in
  std::optional<dd::Table> base;
  for (const int k : {8, 2, 3}) {
    SCOPED_TRACE("split_every " + std::to_string(k));
    auto g = df.groupby("id1");
    g.split_every(k);
    const dd::Table t =
        g.agg({{"v1", "sum"}, {"v2", "min"}, {"id4", "max"}, {"v3", "sum"}, {"id5", "std"}})
            .compute();
    EXPECT_EQ(t.column_names(), (std::vector<std::string>{"id1", "v1", "v2", "id4", "v3", "id5"}));
    expect_keys(t, "id1", ref_v1);
    expect_int_sums(t, "v1", ref_v1);
    EXPECT_EQ(ints(t, "v2"), min_v2);
    EXPECT_EQ(ints(t, "id4"), max_id4);
    expect_float_sums(t, "v3", ref_v3, false);
    std::size_t i = 0;
    for (const auto& [key, s] : ref_id5) {
      const double sd = std::sqrt(static_cast<double>(s.m2() / (s.n - 1)));
      EXPECT_NEAR(t.column<double>("id5")[i], sd, (var_relative_bound(s) / 2 + kEps) * sd) << key;
      ++i;
    }
    if (!base) {
      base = t;
      continue;
    }
    for (const char* c : {"v1", "v2", "id4"}) EXPECT_EQ(ints(t, c), ints(*base, c)) << c;
    i = 0;
    for (const auto& [key, s] : ref_v3) {
      EXPECT_NEAR(t.column<double>("v3")[i], base->column<double>("v3")[i], 2 * sum_bound(s));
      ++i;
    }
    i = 0;
    for (const auto& [key, s] : ref_id5) {
      const double sd = base->column<double>("id5")[i];
      EXPECT_NEAR(t.column<double>("id5")[i], sd, 2 * (var_relative_bound(s) / 2 + kEps) * sd)
          << key;
      ++i;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// 4. Masks fused into the groupby.

TEST_P(H2o, FilterFusedIntoTheGroupby) {
  auto present = [](const std::string& f) { return !f.empty(); };
  auto num = [](const std::string& f) { return std::stod(f); };
  struct Case {
    std::string name;
    std::function<dd::DataFrame(const dd::DataFrame&)> filter;
    std::function<bool(const H2oRow&)> keep;
  };
  // Missing values compare false, and are false in & and |; ~ of a comparison is true where
  // the comparison was false (missing included).
  const std::vector<Case> cases = {
      {"v1 > 2", [](const dd::DataFrame& df) { return df[df["v1"] > 2]; },
       [&](const H2oRow& r) { return present(r.f[v1]) && num(r.f[v1]) > 2; }},
      {"(v1 > 2) & (v3 < 50.5)",
       [](const dd::DataFrame& df) { return df[(df["v1"] > 2) & (df["v3"] < 50.5)]; },
       [&](const H2oRow& r) {
         return present(r.f[v1]) && num(r.f[v1]) > 2 && present(r.f[v3]) && num(r.f[v3]) < 50.5;
       }},
      {"(id2 == id003) | (v2 >= 14)",
       [](const dd::DataFrame& df) { return df[(df["id2"] == "id003") | (df["v2"] >= 14)]; },
       [&](const H2oRow& r) {
         return r.f[id2] == "id003" || (present(r.f[v2]) && num(r.f[v2]) >= 14);
       }},
      {"(v1 != 3) & (id2 != id001)",
       [](const dd::DataFrame& df) { return df[(df["v1"] != 3) & (df["id2"] != "id001")]; },
       [&](const H2oRow& r) {  // missing is unequal to everything
         return (!present(r.f[v1]) || num(r.f[v1]) != 3) && r.f[id2] != "id001";
       }},
      {"~(v1 <= 2)", [](const dd::DataFrame& df) { return df[~(df["v1"] <= 2)]; },
       [&](const H2oRow& r) { return !(present(r.f[v1]) && num(r.f[v1]) <= 2); }},
      {"[v1 > 2][id4 * 2 < v2]",
       [](const dd::DataFrame& df) { return df[df["v1"] > 2][df["id4"] * 2 < df["v2"]]; },
       [&](const H2oRow& r) {
         return present(r.f[v1]) && num(r.f[v1]) > 2 && present(r.f[id4]) && present(r.f[v2]) &&
                num(r.f[id4]) * 2 < num(r.f[v2]);
       }},
  };
  for (const std::string blocksize : {"", "3000"}) {
    auto df = dd::read_csv(file_, {.blocksize = blocksize});
    for (const Case& c : cases) {
      SCOPED_TRACE(c.name + ", blocksize " + blocksize);
      const auto ref_v1 = reference<std::string>(rows_, id1, v1, c.keep);
      const auto ref_v3 = reference<std::string>(rows_, id1, v3, c.keep);
      const auto ref_v2 = reference<std::string>(rows_, id1, v2, c.keep);
      const dd::Table t = c.filter(df)
                              .groupby("id1")
                              .agg({{"v1", "sum"}, {"v3", "mean"}, {"v2", "count"}})
                              .compute();
      expect_keys(t, "id1", ref_v1);
      expect_int_sums(t, "v1", ref_v1);
      expect_float_sums(t, "v3", ref_v3, true);
      std::vector<std::int64_t> counts;
      for (const auto& [k, s] : ref_v2) counts.push_back(s.n);
      EXPECT_EQ(ints(t, "v2"), counts);
      std::size_t rows = 0;
      for (const H2oRow& r : rows_) rows += c.keep(r);
      EXPECT_EQ(c.filter(df).length(), rows);
    }
  }
}

// A missing value compares false, except that it is unequal to everything (NaN's rule, which
// pandas applies to missing values of every type): `x != c` keeps the rows where x is missing,
// for an int64 column with a validity mask, a float64 column with NaN and a string column alike.
TEST_P(Groupby, MissingValuesAreUnequalToEverything) {
  const std::string file = write("small.csv", kSmall);
  auto df = dd::read_csv(file, {.blocksize = "25"});
  // x: 1 2 - 4 - 7 5 - -3 9 4      (3 missing, two 4s of 11 rows)
  // y: 1.5 - 2.5 0.25 -1 - 3 - 8 9 0.5   (3 missing, one 0.5)
  // s: foo bar - baz qux foo zzz x y w v (1 missing, two foos)
  EXPECT_EQ(df[df["x"] != 4].length(), 9u);
  EXPECT_EQ(df[df["y"] != 0.5].length(), 10u);
  EXPECT_EQ(df[df["s"] != "foo"].length(), 9u);
  EXPECT_EQ(df[df["x"] == 4].length(), 2u);
  EXPECT_EQ(df[df["x"] < 100].length(), 8u);
  EXPECT_EQ(df[df["y"] == df["y"]].length(), 8u);
  EXPECT_EQ(df[df["x"] != df["x"]].length(), 3u);
  EXPECT_EQ(df[~(df["x"] == 4)].length(), 9u);
  // Through the groupby: x != 4 by k keeps a's missing x (size 3) and d's (size 1).
  const dd::Table t = df[df["x"] != 4].groupby("k").agg({{"x", "sum"}, {"x", "size"}}).compute();
  EXPECT_EQ(strings(t, "k"), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(ints(t, "x"), (std::vector<std::int64_t>{8, -1, 0}));
  EXPECT_EQ(ints(t, "size"), (std::vector<std::int64_t>{3, 3, 1}));
}

// ---------------------------------------------------------------------------------------------
// 5. Errors name the bad value.

TEST_P(Groupby, ErrorsNameTheBadValue) {
  const std::string file = write("small.csv", kSmall);
  auto df = dd::read_csv(file);
  expect_throw_naming([&] { df.groupby("nope"); }, {"nope"});
  expect_throw_naming([&] { df.groupby({"k", "nope2"}); }, {"nope2"});
  expect_throw_naming([&] { df.groupby("k").agg({{"x", "median"}}); }, {"median"});
  expect_throw_naming([&] { df.groupby("k").agg({{"zz", "sum"}}); }, {"zz"});
  expect_throw_naming([&] { df.groupby("k").agg({{"k", "sum"}}); }, {"'k'", "key"});
  expect_throw_naming([&] { df.groupby("k").agg({{"s", "mean"}}); }, {"mean", "'s'", "string"});
  expect_throw_naming([&] { df.groupby("k").agg({{"x", "sum"}, {"x", "max"}}); }, {"'x'"});
  expect_throw_naming([&] { df.groupby("k").split_every(1); }, {"1"});
  expect_throw_naming([&] { df[df["x"]]; }, {"'x'", "int64"});
  auto other = dd::read_csv(file);
  expect_throw_naming([&] { df[other["x"] > 1]; }, {"'x'", "another frame"});
  expect_throw_naming([&] { df["x"] + other["x"]; }, {"'x'"});
  expect_throw_naming([&] { df["x"] + df["s"]; }, {"'x'", "'s'", "int64", "string"});
  expect_throw_naming([&] { df["s"] > 3; }, {"'s'", "string", "int64"});
  expect_throw_naming([&] { ~df["x"]; }, {"'x'", "int64"});
  expect_throw_naming([&] { df["x"] & df["x"]; }, {"'x'", "int64"});
  expect_throw_naming([&] { df["nope3"]; }, {"nope3"});
  expect_throw_naming([&] { df[std::vector<std::string>{"x", "nope4"}]; }, {"nope4"});
  expect_throw_naming([&] { df.groupby("k").agg({{"nope5", "size"}}); }, {"nope5"});
  // A failed check leaves the frame as it was.
  EXPECT_EQ(df.groupby("k").agg({{"x", "sum"}}).compute().num_rows(), 4u);
}

// agg's "size" counts rows per group (missing values included) into a column "size", as
// size() does; the column it names must exist.
TEST_P(Groupby, SizeInAggCountsRowsOfAnExistingColumn) {
  auto df = dd::read_csv(write("small.csv", kSmall));
  const dd::Table named = df.groupby("k").agg({{"x", "size"}, {"y", "count"}}).compute();
  const dd::Table plain = df.groupby("k").size().compute();
  EXPECT_EQ(named.column_names(), (std::vector<std::string>{"k", "size", "y"}));
  EXPECT_EQ(plain.column_names(), (std::vector<std::string>{"k", "size"}));
  EXPECT_EQ(ints(named, "size"), ints(plain, "size"));
}

TEST_P(Groupby, ReadCsvErrorsNameTheFileAndValue) {
  const std::string file = write("small.csv", kSmall);
  expect_throw_naming([&] { dd::read_csv(path("missing.csv")); }, {path("missing.csv")});
  expect_throw_naming([&] { dd::read_csv(path("nothing-*.csv")); }, {path("nothing-*.csv")});
  expect_throw_naming([&] { dd::read_csv(file, {.usecols = {"x", "q"}}); }, {"usecols", "'q'"});
  expect_throw_naming(
      [&] {
        dd::read_csv(file, {.dtype = {{"w", dd::ColumnType::int64}}});
      },
      {"dtype", "'w'"});
  {  // a given int64 type for a column holding "abc" (line 4): compute names it
    const std::string bad = write("bad.csv", "a,b\n1,2\n3,4\nabc,5\n6,7\n");
    auto df = dd::read_csv(bad, {.blocksize = "6", .dtype = {{"a", dd::ColumnType::int64}}});
    EXPECT_EQ(df.dtype("a"), dd::ColumnType::int64);
    expect_throw_naming([&] { df.compute(); }, {bad + ":4", "'a'", "int64", "'abc'"});
    expect_throw_naming([&] { df.groupby("b").sum().compute(); }, {bad + ":4", "'abc'"});
  }
  {  // a ragged row: read_csv's scan names the file and line
    const std::string ragged = write("ragged.csv", "a,b\n1,2\n3,4,5\n6,7\n");
    expect_throw_naming([&] { dd::read_csv(ragged); }, {ragged + ":3", "3 fields"});
    // with every type given there is no scan of the types: compute names it
    auto df = dd::read_csv(ragged,
                           {.dtype = {{"a", dd::ColumnType::int64}, {"b", dd::ColumnType::int64}}});
    expect_throw_naming([&] { df.compute(); }, {ragged + ":3", "3 fields"});
  }
}

INSTANTIATE_TEST_SUITE_P(Workers, Groupby, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param); });
INSTANTIATE_TEST_SUITE_P(Workers, H2o, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param); });

}  // namespace
