#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/dataframe/table.hpp"

using tessera::dataframe::Column;
using tessera::dataframe::ColumnType;
using tessera::dataframe::Table;

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Column ints(std::vector<std::int64_t> values, std::vector<std::uint8_t> valid = {}) {
  Column col;
  col.type = ColumnType::int64;
  col.int64s = std::move(values);
  col.valid = std::move(valid);
  return col;
}

Column floats(std::vector<double> values) {
  Column col;
  col.type = ColumnType::float64;
  col.float64s = std::move(values);
  return col;
}

Column bools(std::vector<std::uint8_t> values, std::vector<std::uint8_t> valid = {}) {
  Column col;
  col.type = ColumnType::boolean;
  col.bools = std::move(values);
  col.valid = std::move(valid);
  return col;
}

/// A dictionary-encoded column; nullopt is a missing value (code -1, valid 0).
Column strings(const std::vector<std::optional<std::string>>& values) {
  Column col;
  col.type = ColumnType::string;
  auto dictionary = std::make_shared<std::vector<std::string>>();
  bool any_missing = false;
  for (const auto& value : values) {
    if (!value) {
      col.codes.push_back(-1);
      col.valid.push_back(0);
      any_missing = true;
      continue;
    }
    auto found = std::find(dictionary->begin(), dictionary->end(), *value);
    if (found == dictionary->end()) found = dictionary->insert(dictionary->end(), *value);
    col.codes.push_back(static_cast<std::int32_t>(found - dictionary->begin()));
    col.valid.push_back(1);
  }
  if (!any_missing) col.valid.clear();
  col.dictionary = std::move(dictionary);
  return col;
}

/// The message of the E that `f` throws; fails the test when it throws nothing.
template <class E, class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return {};
}

std::string printed(const Table& table) {
  std::ostringstream out;
  out << table;
  return out.str();
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::filesystem::path temp_path(const std::string& name) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::temp_directory_path() /
         (std::string("tessera_") + info->name() + "_" + name);
}

}  // namespace

TEST(Table, TypeNames) {
  EXPECT_EQ(type_name(ColumnType::int64), "int64");
  EXPECT_EQ(type_name(ColumnType::float64), "float64");
  EXPECT_EQ(type_name(ColumnType::boolean), "bool");
  EXPECT_EQ(type_name(ColumnType::string), "string");
}

TEST(Table, ColumnSizeAndValidity) {
  const Column f = floats({1.0, kNaN, 3.0});
  EXPECT_EQ(f.size(), 3u);
  EXPECT_TRUE(f.is_valid(0));
  EXPECT_FALSE(f.is_valid(1));
  const Column i = ints({1, 2}, {1, 0});
  EXPECT_EQ(i.size(), 2u);
  EXPECT_TRUE(i.is_valid(0));
  EXPECT_FALSE(i.is_valid(1));
  const Column b = bools({1, 0, 1, 1});
  EXPECT_EQ(b.size(), 4u);
  EXPECT_TRUE(b.is_valid(3));  // no validity bytes: every row holds a value
  const Column s = strings({"a", std::nullopt});
  EXPECT_EQ(s.size(), 2u);
  EXPECT_FALSE(s.is_valid(1));
}

TEST(Table, ConstructorRejectsUnequalLengths) {
  const std::string what = error_of<std::invalid_argument>([] {
    Table({"a", "b"}, {ints({1, 2, 3}), floats({1.0, 2.0})});
  });
  EXPECT_NE(what.find("'b'"), std::string::npos) << what;
  EXPECT_NE(what.find("2 rows"), std::string::npos) << what;
  EXPECT_NE(what.find("3"), std::string::npos) << what;
}

TEST(Table, ConstructorRejectsRepeatedName) {
  const std::string what = error_of<std::invalid_argument>([] {
    Table({"x", "price", "price"}, {ints({1}), ints({2}), ints({3})});
  });
  EXPECT_NE(what.find("'price'"), std::string::npos) << what;
}

TEST(Table, ConstructorRejectsNameCountMismatch) {
  const std::string what = error_of<std::invalid_argument>([] {
    Table({"a", "b", "c"}, {ints({1}), ints({2})});
  });
  EXPECT_NE(what.find("3 names"), std::string::npos) << what;
  EXPECT_NE(what.find("2 columns"), std::string::npos) << what;
}

TEST(Table, ConstructorRejectsIndexCountBeyondColumns) {
  const std::string what = error_of<std::invalid_argument>([] {
    Table({"a", "b"}, {ints({1}), ints({2})}, 3);
  });
  EXPECT_NE(what.find("3 index columns"), std::string::npos) << what;
  EXPECT_NE(what.find("2 columns"), std::string::npos) << what;
  EXPECT_NO_THROW(Table({"a", "b"}, {ints({1}), ints({2})}, 2));
}

TEST(Table, ConstructorChecksStringColumns) {
  Column no_dictionary = strings({"a"});
  no_dictionary.dictionary.reset();
  std::string what =
      error_of<std::invalid_argument>([&] { Table({"city"}, {std::move(no_dictionary)}); });
  EXPECT_NE(what.find("'city'"), std::string::npos) << what;
  EXPECT_NE(what.find("dictionary"), std::string::npos) << what;

  Column bad_code = strings({"a", "b"});
  bad_code.codes[1] = 7;
  what = error_of<std::invalid_argument>([&] { Table({"city"}, {bad_code}); });
  EXPECT_NE(what.find("'city'"), std::string::npos) << what;
  EXPECT_NE(what.find("code 7"), std::string::npos) << what;

  bad_code.codes[1] = -1;
  what = error_of<std::invalid_argument>([&] { Table({"city"}, {bad_code}); });
  EXPECT_NE(what.find("code -1"), std::string::npos) << what;

  // A missing row's code is a placeholder and is not checked.
  EXPECT_NO_THROW(Table({"city"}, {strings({"a", std::nullopt})}));
}

TEST(Table, ConstructorRejectsShortValidity) {
  const std::string what = error_of<std::invalid_argument>([] {
    Table({"n"}, {ints({1, 2, 3}, {1, 0})});
  });
  EXPECT_NE(what.find("'n'"), std::string::npos) << what;
}

TEST(Table, ShapeAndLookup) {
  EXPECT_EQ(Table().num_rows(), 0u);
  EXPECT_EQ(Table().num_columns(), 0u);
  const Table table({"k", "v"}, {strings({"a", "b"}), floats({1.0, 2.0})}, 1);
  EXPECT_EQ(table.num_rows(), 2u);
  EXPECT_EQ(table.num_columns(), 2u);
  EXPECT_EQ(table.index_columns(), 1u);
  EXPECT_EQ(table.column_names(), (std::vector<std::string>{"k", "v"}));
  EXPECT_EQ(table.type("k"), ColumnType::string);
  EXPECT_EQ(&table.at("v"), &table.columns()[1]);
  const std::string what = error_of<std::out_of_range>([&] { (void)table.at("missing"); });
  EXPECT_NE(what.find("'missing'"), std::string::npos) << what;
  EXPECT_NE(what.find("k, v"), std::string::npos) << what;
}

TEST(Table, TypedColumnSpans) {
  const Table table({"i", "f", "b", "s"},
                    {ints({4, -5}), floats({0.5, kNaN}), bools({1, 0}), strings({"x", "y"})});
  const auto i = table.column<std::int64_t>("i");
  ASSERT_EQ(i.size(), 2u);
  EXPECT_EQ(i[0], 4);
  EXPECT_EQ(i[1], -5);
  const auto f = table.column<double>("f");
  ASSERT_EQ(f.size(), 2u);
  EXPECT_EQ(f[0], 0.5);
  EXPECT_TRUE(std::isnan(f[1]));
  const auto b = table.column<bool>("b");
  ASSERT_EQ(b.size(), 2u);
  EXPECT_TRUE(b[0]);
  EXPECT_FALSE(b[1]);
  EXPECT_EQ(f.data(), table.at("f").float64s.data());  // a view, not a copy

  std::string what =
      error_of<std::invalid_argument>([&] { (void)table.column<std::int64_t>("f"); });
  EXPECT_NE(what.find("'f'"), std::string::npos) << what;
  EXPECT_NE(what.find("float64"), std::string::npos) << what;
  EXPECT_NE(what.find("int64"), std::string::npos) << what;
  what = error_of<std::invalid_argument>([&] { (void)table.column<bool>("s"); });
  EXPECT_NE(what.find("'s'"), std::string::npos) << what;
  EXPECT_NE(what.find("string"), std::string::npos) << what;
  EXPECT_NE(what.find("bool"), std::string::npos) << what;
  EXPECT_THROW((void)table.column<double>("nope"), std::out_of_range);
}

TEST(Table, StringAt) {
  const Table table({"s", "n"},
                    {strings({"red", std::nullopt, "blue", "red"}), ints({1, 2, 3, 4})});
  EXPECT_EQ(table.string_at("s", 0), "red");
  EXPECT_EQ(table.string_at("s", 1), "");  // missing
  EXPECT_EQ(table.string_at("s", 2), "blue");
  EXPECT_EQ(table.string_at("s", 3), "red");
  EXPECT_EQ(table.string_at("s", 0).data(), table.string_at("s", 3).data());  // one dictionary
  EXPECT_THROW((void)table.string_at("s", 4), std::out_of_range);
  EXPECT_THROW((void)table.string_at("n", 0), std::invalid_argument);
}

TEST(Table, ToCsvWritesWhatPandasWrites) {
  // Expected text from pandas 1.5: df.to_csv(index=False) of the same frame (nullable Int64 and
  // boolean columns for the missing values).
  const Table table(
      {"i", "f", "b", "s"},
      {ints({1, -2, 0, std::numeric_limits<std::int64_t>::max(), 0}, {1, 1, 0, 1, 1}),
       floats({0.1, 1e300, kNaN, -kInf, 3.0}), bools({1, 0, 0, 1, 0}, {1, 1, 0, 1, 1}),
       strings({"plain", "a,b", "say \"hi\"", "two\nlines", std::nullopt})});
  const auto path = temp_path("out.csv");
  table.to_csv(path.string());
  EXPECT_EQ(read_file(path),
            "i,f,b,s\n"
            "1,0.1,True,plain\n"
            "-2,1e+300,False,\"a,b\"\n"
            ",,,\"say \"\"hi\"\"\"\n"
            "9223372036854775807,-inf,True,\"two\nlines\"\n"
            "0,3.0,False,\n");
  std::filesystem::remove(path);
}

TEST(Table, ToCsvWritesFloatsAsPythonRepr) {
  // pandas writes repr(float): shortest round-trip digits, ".0" on whole numbers, exponents
  // below -4 and from 16 on. A lone empty field is quoted so the row is not a blank line.
  const Table table(
      {"f"},
      {floats({1.0, kNaN, 100000.0, 1e16, 1e-5, 1e-4, 123456789.0, 5e-324, -0.0, 2.5e-7, 1.5e16})});
  const auto path = temp_path("floats.csv");
  table.to_csv(path.string());
  EXPECT_EQ(read_file(path),
            "f\n1.0\n\"\"\n100000.0\n1e+16\n1e-05\n0.0001\n123456789.0\n5e-324\n-0.0\n2.5e-07\n"
            "1.5e+16\n");
  std::filesystem::remove(path);
}

TEST(Table, ToCsvWritesIndexColumnsFirst) {
  const Table table({"k", "v"}, {strings({"a", "b\rc"}), floats({1.5, 2.0})}, 1);
  const auto path = temp_path("grouped.csv");
  table.to_csv(path.string());
  EXPECT_EQ(read_file(path), "k,v\na,1.5\n\"b\rc\",2.0\n");
  std::filesystem::remove(path);
}

TEST(Table, ToCsvIntoMissingDirectoryNamesPath) {
  const Table table({"a"}, {ints({1})});
  const std::string path = (temp_path("no_such_dir") / "out.csv").string();
  const std::string what = error_of<std::runtime_error>([&] { table.to_csv(path); });
  EXPECT_NE(what.find(path), std::string::npos) << what;
  EXPECT_NE(what.find("No such file or directory"), std::string::npos) << what;
}

// The expected texts below are pandas 1.5's repr of the same frames.

TEST(Table, PrintsLikePandas) {
  const Table table({"id", "x", "name", "flag"},
                    {ints({1, -20, 3}), floats({1.5, 2.25, kNaN}),
                     strings({"a", "bb", std::nullopt}), bools({1, 0, 1})});
  EXPECT_EQ(printed(table),
            "   id     x name   flag\n"
            "0   1  1.50    a   True\n"
            "1 -20  2.25   bb  False\n"
            "2   3   NaN  NaN   True");
}

TEST(Table, PrintsIndexNamesOnSecondHeaderLine) {
  const Table table({"key", "sum", "count"},
                    {strings({"a", "bb"}), floats({1.0, -2.5}), ints({3, 40})}, 1);
  EXPECT_EQ(printed(table),
            "     sum  count\n"
            "key            \n"
            "a    1.0      3\n"
            "bb  -2.5     40");
}

TEST(Table, PrintsMultiIndexSparsified) {
  const Table table({"k", "j", "s"},
                    {strings({"a", "a", "b", "b"}), ints({1, 2, 2, 3}), floats({1, 2.5, 3, 0.125})},
                    2);
  EXPECT_EQ(printed(table),
            "         s\n"
            "k j       \n"
            "a 1  1.000\n"
            "  2  2.500\n"
            "b 2  3.000\n"
            "  3  0.125");
}

TEST(Table, PrintsFirstAndLastFiveBeyondSixtyRows) {
  std::vector<double> v;
  std::vector<std::int64_t> i;
  std::vector<std::optional<std::string>> s;
  for (int r = 0; r < 61; ++r) {
    v.push_back(r * 0.5);
    i.push_back(r);
    s.push_back("row" + std::to_string(r));
  }
  const Table table({"v", "i", "s"}, {floats(v), ints(i), strings(s)});
  EXPECT_EQ(printed(table),
            "       v   i      s\n"
            "0    0.0   0   row0\n"
            "1    0.5   1   row1\n"
            "2    1.0   2   row2\n"
            "3    1.5   3   row3\n"
            "4    2.0   4   row4\n"
            "..   ...  ..    ...\n"
            "56  28.0  56  row56\n"
            "57  28.5  57  row57\n"
            "58  29.0  58  row58\n"
            "59  29.5  59  row59\n"
            "60  30.0  60  row60\n"
            "\n"
            "[61 rows x 3 columns]");

  // Sixty rows are all shown, without the shape line.
  v.pop_back();
  i.pop_back();
  s.pop_back();
  const std::string sixty = printed(Table({"v", "i", "s"}, {floats(v), ints(i), strings(s)}));
  EXPECT_EQ(std::count(sixty.begin(), sixty.end(), '\n'), 60);
  EXPECT_EQ(sixty.find("..."), std::string::npos);
  EXPECT_EQ(sixty.find("rows x"), std::string::npos);
}

TEST(Table, PrintsTruncatedGroupbyResult) {
  std::vector<std::int64_t> g;
  std::vector<double> v;
  for (int r = 0; r < 61; ++r) {
    g.push_back(100 + r);
    v.push_back(r);
  }
  EXPECT_EQ(printed(Table({"g", "v"}, {ints(g), floats(v)}, 1)),
            "        v\n"
            "g        \n"
            "100   0.0\n"
            "101   1.0\n"
            "102   2.0\n"
            "103   3.0\n"
            "104   4.0\n"
            "..    ...\n"
            "156  56.0\n"
            "157  57.0\n"
            "158  58.0\n"
            "159  59.0\n"
            "160  60.0\n"
            "\n"
            "[61 rows x 1 columns]");
}

TEST(Table, PrintsFloatsInPandasForms) {
  const Table table({"big", "tiny", "mixed", "nan", "six"},
                    {floats({1e10, 2.0}), floats({1e-7, 1.0}), floats({-1e7, kInf}),
                     floats({kNaN, kNaN}), floats({0.1234567, 2.0})});
  EXPECT_EQ(printed(table),
            "            big          tiny       mixed  nan       six\n"
            "0  1.000000e+10  1.000000e-07 -10000000.0  NaN  0.123457\n"
            "1  2.000000e+00  1.000000e+00         inf  NaN  2.000000");
}

TEST(Table, PrintsLongAndEscapedStrings) {
  const Table table({"t"}, {strings({std::string(60, 'x'), "a\tb"})});
  EXPECT_EQ(printed(table),
            "                                                   t\n"
            "0  " +
                std::string(46, 'x') +
                "...\n"
                "1                                               a\\tb");
}

TEST(Table, PrintsEmptyTable) {
  EXPECT_EQ(printed(Table({"a", "b"}, {floats({}), ints({})})),
            "Empty DataFrame\nColumns: [a, b]\nIndex: []");
  EXPECT_EQ(printed(Table()), "Empty DataFrame\nColumns: []\nIndex: []");
}
