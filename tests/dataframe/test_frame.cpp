// The lazy frame end to end: read_csv, masks, selections and groupby aggregations, each result
// compared with one computed here by reading the file line by line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <sstream>

#include "frame_test_support.hpp"
#include "memory_totals.hpp"
#include "tessera/dataframe.hpp"
#include "tessera/dataframe/datasets.hpp"
#include "tessera/diagnostics/bus.hpp"
#include "tessera/tessera.hpp"

namespace dd = tessera::dataframe;
namespace fs = std::filesystem;

namespace {

using namespace dataframe_test;

class Frame : public FrameTest {};

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
    ASSERT_EQ(result.column_names(),
              (std::vector<std::string>{"category", "id", "column", "value"}));
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

std::string slurp(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Quoted fields holding the separator, line breaks and doubled quotes, CRLF line ends, a blank
// line and a last row without a line end, read at every blocksize from 1 byte to the whole
// file: a block boundary falls at every byte once, inside quotes and between '\r' and '\n'
// included. Every read gives the same table, the one written here.
TEST_P(Frame, QuotedFieldsAtEveryBlocksize) {
  const std::string text =
      "id,text,v\r\n"
      "1,\"a,b\",1.5\r\n"
      "2,\"line1\nline2\",2.5\r\n"
      "3,\"say \"\"hi\"\"\",\r\n"
      "\r\n"
      "4,plain,-3\r\n"
      "5,\"x\ny, \"\"z\"\"\n,w\",4";
  const std::string file = write("quoted.csv", text);
  const std::vector<std::string> texts = {"a,b", "line1\nline2", "say \"hi\"", "plain",
                                          "x\ny, \"z\"\n,w"};
  std::string first_csv;
  for (std::size_t bs = 1; bs <= text.size(); ++bs) {
    SCOPED_TRACE("blocksize " + std::to_string(bs));
    auto df = dd::read_csv(file, {.blocksize = std::to_string(bs)});
    ASSERT_EQ(df.columns(), (std::vector<std::string>{"id", "text", "v"}));
    ASSERT_EQ(df.dtype("id"), dd::ColumnType::int64);
    ASSERT_EQ(df.dtype("text"), dd::ColumnType::string);
    ASSERT_EQ(df.dtype("v"), dd::ColumnType::float64);
    const dd::Table t = df.compute();
    EXPECT_EQ(ints(t, "id"), (std::vector<std::int64_t>{1, 2, 3, 4, 5}));
    EXPECT_EQ(strings(t, "text"), texts);
    const auto v = t.column<double>("v");
    ASSERT_EQ(v.size(), 5u);
    EXPECT_EQ(v[0], 1.5);
    EXPECT_EQ(v[1], 2.5);
    EXPECT_TRUE(std::isnan(v[2]));
    EXPECT_EQ(v[3], -3.0);
    EXPECT_EQ(v[4], 4.0);
    // The whole table, as to_csv writes it, is the same at every blocksize.
    const std::string out = path("out.csv");
    t.to_csv(out);
    if (bs == 1)
      first_csv = slurp(out);
    else
      EXPECT_EQ(slurp(out), first_csv);
    EXPECT_EQ(df.length(), 5u);
  }
}

// A glob reads its files in name order, each cut into its own partitions; the types come from
// all of them; a file whose header differs is an error naming it and the first file.
TEST_P(Frame, GlobReadsEveryFile) {
  fs::create_directories(path("parts"));
  write("parts/p0.csv", "a,b\n1,x\n2,y\n");
  write("parts/p1.csv", "a,b\n3.5,z\n");
  write("parts/p2.csv", "a,b\n4,w\n5,\n");
  write("parts/other.txt", "q\n");
  for (const std::string blocksize : {"", "4"}) {
    SCOPED_TRACE("blocksize " + blocksize);
    auto df = dd::read_csv(path("parts/p*.csv"), {.blocksize = blocksize});
    if (blocksize.empty()) {
      EXPECT_EQ(df.npartitions(), 3u);  // one per file
    } else {
      EXPECT_GE(df.npartitions(), 5u);  // one per row at 4 bytes: no row spans two files
    }
    EXPECT_EQ(df.dtype("a"), dd::ColumnType::float64);  // 3.5 in p1
    const dd::Table t = df.compute();
    const auto a = t.column<double>("a");
    EXPECT_EQ(std::vector<double>(a.begin(), a.end()), (std::vector<double>{1, 2, 3.5, 4, 5}));
    EXPECT_EQ(strings(t, "b"), (std::vector<std::string>{"x", "y", "z", "w", "<missing>"}));
    EXPECT_EQ(df.length(), 5u);
  }
  write("parts/p3.csv", "a,c\n1,2\n");
  expect_throw_naming([&] { dd::read_csv(path("parts/p*.csv")); },
                      {path("parts/p3.csv"), path("parts/p0.csv"), "a,c", "a,b"});
}

// usecols (kept in file order, as pandas does) and dtype (instead of the inferred type).
TEST_P(Frame, UsecolsAndDtype) {
  const std::string file =
      write("people.csv", "id,name,score,flag\n1,ann,2.5,True\n2,bob,,False\n3,NA,7,true\n");
  {
    auto df = dd::read_csv(file);
    EXPECT_EQ(df.dtype("id"), dd::ColumnType::int64);
    EXPECT_EQ(df.dtype("name"), dd::ColumnType::string);
    EXPECT_EQ(df.dtype("score"), dd::ColumnType::float64);
    EXPECT_EQ(df.dtype("flag"), dd::ColumnType::boolean);
    const dd::Table t = df.compute();
    const auto flags = t.column<bool>("flag");
    EXPECT_EQ(std::vector<bool>(flags.begin(), flags.end()),
              (std::vector<bool>{true, false, true}));
  }
  {
    auto df = dd::read_csv(file, {.usecols = {"score", "id"}});
    EXPECT_EQ(df.columns(), (std::vector<std::string>{"id", "score"}));
    const dd::Table t = df.compute();
    EXPECT_EQ(t.column_names(), (std::vector<std::string>{"id", "score"}));
    EXPECT_EQ(ints(t, "id"), (std::vector<std::int64_t>{1, 2, 3}));
    EXPECT_EQ(validity(t, "score"), (std::vector<bool>{true, false, true}));
    expect_throw_naming([&] { df["name"]; }, {"name"});
  }
  {
    auto df = dd::read_csv(
        file, {.dtype = {{"id", dd::ColumnType::float64}, {"flag", dd::ColumnType::string}}});
    EXPECT_EQ(df.dtype("id"), dd::ColumnType::float64);
    EXPECT_EQ(df.dtype("flag"), dd::ColumnType::string);
    EXPECT_EQ(df.dtype("score"), dd::ColumnType::float64);  // inferred still
    const dd::Table t = df.compute();
    const auto id = t.column<double>("id");
    EXPECT_EQ(std::vector<double>(id.begin(), id.end()), (std::vector<double>{1, 2, 3}));
    EXPECT_EQ(strings(t, "flag"), (std::vector<std::string>{"True", "False", "true"}));
    EXPECT_EQ(strings(t, "name"), (std::vector<std::string>{"ann", "bob", "<missing>"}));
  }
  {  // both: the types given for the columns read
    auto df = dd::read_csv(
        file, {.usecols = {"flag", "score"}, .dtype = {{"score", dd::ColumnType::string}}});
    EXPECT_EQ(df.columns(), (std::vector<std::string>{"score", "flag"}));
    EXPECT_EQ(strings(df.compute(), "score"), (std::vector<std::string>{"2.5", "<missing>", "7"}));
  }
}

// header=false: the first row is data and the columns are "0", "1", ...
TEST_P(Frame, NoHeaderNamesColumnsByPosition) {
  const std::string file = write("nohead.csv", "1,a,0.5\n2,b,1.5\n3,c,\n");
  auto df = dd::read_csv(file, {.blocksize = "5", .header = false});
  EXPECT_EQ(df.columns(), (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(df.dtype("0"), dd::ColumnType::int64);
  const dd::Table t = df.compute();
  EXPECT_EQ(ints(t, "0"), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(strings(t, "1"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(validity(t, "2"), (std::vector<bool>{true, true, false}));
  EXPECT_EQ(df.length(), 3u);
}

// na_values: more strings read as missing, besides the defaults.
TEST_P(Frame, NaValuesAddMissingStrings) {
  const std::string file = write("na.csv", "a,b\n1,-\n-,x\n3,missing\nNA,NA\n");
  {
    auto df = dd::read_csv(file);
    EXPECT_EQ(df.dtype("a"), dd::ColumnType::string);  // "-" is a value
    EXPECT_EQ(strings(df.compute(), "b"),
              (std::vector<std::string>{"-", "x", "missing", "<missing>"}));
  }
  auto df = dd::read_csv(file, {.na_values = {"-", "missing"}});
  EXPECT_EQ(df.dtype("a"), dd::ColumnType::int64);
  const dd::Table t = df.compute();
  EXPECT_EQ(validity(t, "a"), (std::vector<bool>{true, false, true, false}));
  EXPECT_EQ(t.column<std::int64_t>("a")[0], 1);
  EXPECT_EQ(t.column<std::int64_t>("a")[2], 3);
  EXPECT_EQ(strings(t, "b"),
            (std::vector<std::string>{"<missing>", "x", "<missing>", "<missing>"}));
}

// persist() keeps the partitions (masked ones too): a groupby of the persisted frame is the
// groupby of the frame, bit for bit (the same partitions folded in the same tree).
TEST_P(Frame, PersistThenGroupbyEqualsGroupby) {
  const std::string file = path("tutorial.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 5000, .categories = 5, .seed = 11});
  auto df = dd::read_csv(file, {.blocksize = "16kB"});
  for (const bool masked : {false, true}) {
    SCOPED_TRACE(masked ? "masked" : "whole");
    const dd::DataFrame frame = masked ? df[df["column"] >= 7] : df;
    const dd::DataFrame kept = frame.persist();
    EXPECT_EQ(kept.npartitions(), frame.npartitions());
    EXPECT_EQ(kept.columns(), frame.columns());
    EXPECT_EQ(kept.length(), frame.length());
    const std::vector<std::pair<std::string, std::string>> aggs = {
        {"id", "sum"}, {"column", "max"}, {"value", "mean"}};
    const dd::Table a = frame.groupby("category").agg(aggs).compute();
    const dd::Table b = kept.groupby("category").agg(aggs).compute();
    EXPECT_EQ(strings(a, "category"), strings(b, "category"));
    EXPECT_EQ(ints(a, "id"), ints(b, "id"));
    EXPECT_EQ(ints(a, "column"), ints(b, "column"));
    const auto va = a.column<double>("value"), vb = b.column<double>("value");
    EXPECT_EQ(std::vector<double>(va.begin(), va.end()), std::vector<double>(vb.begin(), vb.end()));
    // And a mask on the persisted frame reads its kept columns.
    EXPECT_EQ(kept[kept["value"] < 0.5].length(), frame[frame["value"] < 0.5].length());
  }
  // The persisted frame no longer reads the file.
  const dd::DataFrame kept = df.persist();
  fs::remove(file);
  EXPECT_EQ(kept.length(), 5000u);
}

// operator<<: the partitions, and every column with its type (a groupby's keys marked).
TEST_P(Frame, PrintsColumnsTypesAndPartitions) {
  const std::string file =
      write("p.csv", "id,name,score,flag\n1,ann,2.5,True\n2,bob,,False\n3,NA,7,true\n");
  auto df = dd::read_csv(file, {.blocksize = "20"});
  std::ostringstream out;
  out << df;
  const std::string text = out.str();
  EXPECT_NE(text.find("npartitions=" + std::to_string(df.npartitions())), std::string::npos)
      << text;
  EXPECT_GT(df.npartitions(), 1u);
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // the header
  for (const auto& [name, type] : std::vector<std::pair<std::string, std::string>>{
           {"id", "int64"}, {"name", "string"}, {"score", "float64"}, {"flag", "bool"}}) {
    ASSERT_TRUE(std::getline(lines, line)) << text;
    EXPECT_EQ(line.rfind(name, 0), 0u) << line;
    EXPECT_NE(line.find(type), std::string::npos) << line;
  }
  std::ostringstream grouped;
  grouped << df.groupby("name").agg({{"score", "mean"}});
  EXPECT_NE(grouped.str().find("npartitions=1"), std::string::npos) << grouped.str();
  EXPECT_NE(grouped.str().find("(index)"), std::string::npos) << grouped.str();
}

INSTANTIATE_TEST_SUITE_P(Workers, Frame, ::testing::Values(1, 2),
                         [](const auto& info) { return std::to_string(info.param); });

// A file several times the cluster's memory limit is filtered and grouped: each partition's
// task holds its block and its columns only while it runs, and what crosses tasks is partials,
// so nothing accumulates and no worker is refused. (Peak memory is a benchmark figure:
// benchmarks/dataframe/compare.py reports it beside pandas' and Dask's.)
TEST(FrameMemory, FileLargerThanTheMemoryLimit) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("tessera_frame_memory_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string file = (dir / "big.csv").string();
  dd::datasets::write_tutorial_csv(file, {.rows = 1'500'000, .categories = 5, .seed = 11});
  const auto bytes = fs::file_size(file);  // about 36 MB
  tessera::LocalCluster cluster({.n_workers = 2,
                                 .threads_per_worker = 1,
                                 .memory_limit = "4MiB",
                                 .n_gpu_workers = 0,
                                 .dashboard_address = ""});
  tessera::Client client(cluster);
  auto df = dd::read_csv(file, {.blocksize = "1MB"});
  EXPECT_GT(bytes, 4u * 2 * 4 * 1024 * 1024);  // four times both workers' limits together
  const dd::Table result =
      df[df["column"] > 10].groupby("category").agg({{"value", "count"}}).compute();
  std::int64_t kept = 0;
  for (std::int64_t n : result.column<std::int64_t>("value")) kept += n;
  std::int64_t expected = 0;
  for (const Row& r : tutorial_rows(file)) expected += r.column > 10;
  EXPECT_EQ(kept, expected);
  fs::remove_all(dir);
}

// persist() hands each partition's columns to the cluster's store: beyond the workers' budget
// they go to disk, and they come back (bit for bit) when a later operation reads them.
TEST(FrameMemory, PersistedPartitionsSpillAndComeBack) {
  const fs::path dir =
      fs::path(::testing::TempDir()) / ("tessera_frame_spill_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const std::string file = (dir / "g.csv").string();
  dd::datasets::write_groupby_csv(file,
                                  {.rows = 200'000, .groups = 20, .missing = 0.05, .seed = 5});
  tessera::LocalCluster cluster({.n_workers = 2,
                                 .threads_per_worker = 1,
                                 .memory_limit = "4MiB",
                                 .n_gpu_workers = 0,
                                 .dashboard_address = "",
                                 .local_directory = (dir / "spill").string()});
  tessera::Client client(cluster);
  const auto df = dd::read_csv(file, {.blocksize = "1MB"});
  const dd::Table direct = df.groupby({"id1", "id4"}).agg({{"v1", "sum"}, {"v3", "var"}}).compute();
  const dd::Table rows = df.compute();
  const auto kept = df.persist();
  // 200,000 rows of 9 columns are about 14 MB in memory; the store keeps at most 0.6 of the
  // 8 MiB the two workers have.
  const auto memory = tessera::test_support::memory_totals(*cluster.executor());
  EXPECT_LE(memory.stored, static_cast<std::uint64_t>(0.6 * 8 * 1024 * 1024));
  EXPECT_GE(memory.spilled, 6u * 1024 * 1024);
  const dd::Table again =
      kept.groupby({"id1", "id4"}).agg({{"v1", "sum"}, {"v3", "var"}}).compute();
  const std::string a = (dir / "a.csv").string(), b = (dir / "b.csv").string();
  direct.to_csv(a);
  again.to_csv(b);
  auto read = [](const std::string& path) {
    std::ifstream in(path);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  };
  EXPECT_EQ(read(a), read(b));  // the same partitions, the same tree: the same bits
  kept.compute().to_csv(a);
  rows.to_csv(b);
  EXPECT_EQ(read(a), read(b));
  fs::remove_all(dir);
}

// What the dashboard shows comes from the diagnostics bus: the task groups of read_csv's pass
// and of a filtered groupby's tree, named as Dask names them.
TEST_P(Frame, TaskGroupsOnTheDiagnosticsBus) {
  struct Groups : tessera::diagnostics::Subscriber {
    std::mutex mutex;
    std::set<std::string> names;
    void run_submitted(const tessera::diagnostics::RunRecord& run) override {
      std::lock_guard lock(mutex);
      for (const auto& [name, count] : run.groups) names.insert(name);
    }
  };
  auto groups = std::make_shared<Groups>();
  tessera::diagnostics::Subscription listen(groups);
  const std::string file = path("t.csv");
  dd::datasets::write_tutorial_csv(file, {.rows = 20000, .seed = 2});
  auto df = dd::read_csv(file, {.blocksize = "16kB"});  // dozens of partitions: a combine level
  df[df["column"] > 10].groupby("category").mean().compute();
  df[df["column"] > 10].compute();
  df.compute();
  std::lock_guard lock(groups->mutex);
  for (const char* name : {"read-csv-scan", "read-csv-rows", "read-csv-types", "read-csv", "filter",
                           "groupby-chunk", "groupby-combine", "groupby-aggregate"})
    EXPECT_TRUE(groups->names.count(name)) << name;
}
