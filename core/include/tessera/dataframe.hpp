#pragma once
// Lazy data frames, as dask.dataframe: read_csv cuts files into partitions, operations build one
// fused task per partition (parse, filter, project, partial aggregate: the filtered frame is
// never materialized), and groupby aggregations combine their partials in a fixed tree.
//
//   namespace dd = tessera::dataframe;
//   auto df = dd::read_csv("data/*.csv");
//   dd::Table result = df[df["column"] > 10].groupby("category").mean().compute();

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tessera/dataframe/table.hpp"

namespace tessera::dataframe {

namespace detail {
struct Frame;
struct Expr;
}  // namespace detail

struct CsvOptions {
  /// Bytes per partition ("64MB", "1MiB", "4096"); empty: Dask's min(memory / cpus / 10, 64 MB).
  std::string blocksize;
  /// Columns to read, by name; empty: all.
  std::vector<std::string> usecols;
  /// Types given instead of inferred; a field that does not fit is an error naming it.
  std::map<std::string, ColumnType> dtype;
  char sep = ',';
  /// Whether the first row names the columns (else they are "0", "1", ...).
  bool header = true;
  /// More missing-value strings, besides pandas' defaults ("", "NA", "NaN", "null", ...).
  std::vector<std::string> na_values;
};

/// A scalar on one side of an operation: a number, a bool or a string.
struct Scalar {
  enum class Kind : std::uint8_t { int64, float64, boolean, string } kind;
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  Scalar(int v) : kind(Kind::int64), i(v) {}           // NOLINT(google-explicit-constructor)
  Scalar(long v) : kind(Kind::int64), i(v) {}          // NOLINT(google-explicit-constructor)
  Scalar(long long v) : kind(Kind::int64), i(v) {}     // NOLINT(google-explicit-constructor)
  Scalar(double v) : kind(Kind::float64), d(v) {}      // NOLINT(google-explicit-constructor)
  Scalar(bool v) : kind(Kind::boolean), i(v) {}        // NOLINT(google-explicit-constructor)
  Scalar(const char* v) : kind(Kind::string), s(v) {}  // NOLINT(google-explicit-constructor)
  Scalar(std::string v) : kind(Kind::string), s(std::move(v)) {}  // NOLINT
};

class DataFrame;

/// A lazy column of a frame, or an expression over its columns (df["x"] * 2 > df["y"]).
class Series {
 public:
  const std::string& name() const;
  ColumnType dtype() const;

  Series operator~() const;
  friend Series operator+(const Series& a, const Series& b);
  friend Series operator-(const Series& a, const Series& b);
  friend Series operator*(const Series& a, const Series& b);
  friend Series operator/(const Series& a, const Series& b);
  friend Series operator<(const Series& a, const Series& b);
  friend Series operator<=(const Series& a, const Series& b);
  friend Series operator>(const Series& a, const Series& b);
  friend Series operator>=(const Series& a, const Series& b);
  friend Series operator==(const Series& a, const Series& b);
  friend Series operator!=(const Series& a, const Series& b);
  friend Series operator&(const Series& a, const Series& b);
  friend Series operator|(const Series& a, const Series& b);

  /// A scalar becomes a constant Series of the same frame: df["x"] > 10, 2 * df["x"].
  Series constant(const Scalar& value) const;

  /// The values, computed: the frame's index columns (a groupby result's keys) and one column
  /// named after the Series, the frame's mask applied, rows in partition order. An expression
  /// (df["x"] * 2) is evaluated in each partition's task, beside the mask.
  Table compute() const;
  /// Rows per distinct value, as pandas' value_counts(): missing values dropped, the most
  /// frequent first and ties by value ascending; the value as an index column named after the
  /// Series, then "count" (int64). Per-partition counts combine in a groupby tree. A Series
  /// named "count" is an error naming it (the result's two columns would share the name).
  Table value_counts() const;
  /// The number of distinct values, missing ones not counted (0 and -0.0 are one value).
  std::int64_t nunique() const;

 private:
  friend class DataFrame;
  friend class GroupBy;
  /// `a op b` for an operation of detail::Expr::Op, typed and checked.
  static Series binary(std::uint8_t op, const Series& a, const Series& b);
  Series(std::shared_ptr<const detail::Frame> frame, std::shared_ptr<const detail::Expr> expr);
  std::shared_ptr<const detail::Frame> frame_;
  std::shared_ptr<const detail::Expr> expr_;
};

#define TESSERA_SERIES_SCALAR_OPERATOR(op)                      \
  inline Series operator op(const Series& a, const Scalar& b) { \
    return a op a.constant(b);                                  \
  }                                                             \
  inline Series operator op(const Scalar& a, const Series& b) { \
    return b.constant(a) op b;                                  \
  }
TESSERA_SERIES_SCALAR_OPERATOR(+)
TESSERA_SERIES_SCALAR_OPERATOR(-)
TESSERA_SERIES_SCALAR_OPERATOR(*)
TESSERA_SERIES_SCALAR_OPERATOR(/)
TESSERA_SERIES_SCALAR_OPERATOR(<)
TESSERA_SERIES_SCALAR_OPERATOR(<=)
TESSERA_SERIES_SCALAR_OPERATOR(>)
TESSERA_SERIES_SCALAR_OPERATOR(>=)
TESSERA_SERIES_SCALAR_OPERATOR(==)
TESSERA_SERIES_SCALAR_OPERATOR(!=)
#undef TESSERA_SERIES_SCALAR_OPERATOR

class GroupBy;

/// A lazy frame: partitions of typed columns, each made by one task when computed.
class DataFrame {
 public:
  explicit DataFrame(std::shared_ptr<const detail::Frame> frame);

  const std::vector<std::string>& columns() const;
  ColumnType dtype(const std::string& column) const;
  std::size_t npartitions() const;

  /// A column; std::out_of_range naming it and the frame's columns when there is none.
  Series operator[](const std::string& column) const;
  /// The named columns, in the order given.
  DataFrame operator[](const std::vector<std::string>& columns) const;
  /// df[{"a", "b"}]: a braced list is a list of columns (not a std::string built from two).
  DataFrame operator[](std::initializer_list<std::string> columns) const {
    return (*this)[std::vector<std::string>(columns)];
  }
  /// The rows where `mask` (a bool Series of this frame) is true; missing counts as false.
  DataFrame operator[](const Series& mask) const;

  GroupBy groupby(const std::string& key) const;
  GroupBy groupby(const std::vector<std::string>& keys) const;
  /// groupby({"a", "b"}): a braced list is a list of keys.
  GroupBy groupby(std::initializer_list<std::string> keys) const;

  /// Every partition's rows in order, as one host table.
  Table compute() const;
  /// Computes the partitions and keeps them in the cluster's store, as persisted array chunks
  /// are (counted against the worker that made them, spilled to disk beyond its budget): later
  /// operations read them instead of the files.
  DataFrame persist() const;
  /// The number of rows (runs the graph, counting without keeping the rows).
  std::size_t length() const;
  /// The first `n` rows (all of them when there are fewer), as pandas' head(n). Partitions run
  /// in order, one and then twice as many at a time, until n rows are found: the rest are not
  /// computed.
  Table head(std::size_t n = 5) const;
  /// pandas' describe() of the numeric (int64 and float64, not index) columns: an index column
  /// "" holding count, mean, std (ddof 1), min, 25%, 50%, 75%, max, and one float64 column per
  /// numeric column, missing values skipped. The quantiles are exact (pandas' linear
  /// interpolation over the sorted column), not Dask's approximate ones: the numeric columns
  /// are computed whole. A frame without numeric columns is an error naming its columns.
  Table describe() const;
  /// Writes each partition to its own CSV file (Table::to_csv), as Dask does, each by its own
  /// task: `pattern` holds one '*', replaced by the partition's number ("out/part-*.csv" gives
  /// out/part-0.csv, out/part-1.csv, ...); missing folders are made. Returns the paths, in
  /// partition order. A pattern without exactly one '*' is an error naming it.
  std::vector<std::string> to_csv(const std::string& pattern) const;

 private:
  friend class Series;
  friend class GroupBy;
  friend std::ostream& operator<<(std::ostream& out, const DataFrame& frame);
  std::shared_ptr<const detail::Frame> frame_;
};

/// Dask's repr: the columns with their types and the number of partitions.
std::ostream& operator<<(std::ostream& out, const DataFrame& frame);

/// Rows grouped by the values of key columns; each aggregation is a lazy frame with one row per
/// group (sorted by key, missing keys dropped, as pandas does) and the keys as index columns.
/// Partials (count, sum, min, max, and Chan's mean/M2 for std and var) combine in a fixed tree
/// of fan-in `split_every`, so the result's bits do not depend on the number of workers or the
/// order tasks finish in (integer results do not depend on the partitions either).
class GroupBy {
 public:
  DataFrame sum() const;
  DataFrame mean() const;
  DataFrame count() const;
  DataFrame min() const;
  DataFrame max() const;
  DataFrame std(int ddof = 1) const;
  DataFrame var(int ddof = 1) const;
  /// Rows per group, one column "size".
  DataFrame size() const;
  /// One aggregation per column: {{"x", "mean"}, {"y", "max"}}; the result's columns in the
  /// order given, named after their columns ({"x", "size"} gives the column "size"). An unknown
  /// aggregation or column, a key column or a column aggregated twice is an error naming it.
  DataFrame agg(const std::vector<std::pair<std::string, std::string>>& aggregations) const;
  /// Fan-in of the combine tree (Dask's default is 8); at least 2.
  GroupBy& split_every(int fan_in);

 private:
  friend class DataFrame;
  GroupBy(std::shared_ptr<const detail::Frame> frame, std::vector<std::string> keys);
  DataFrame all_columns(const std::string& how) const;
  std::shared_ptr<const detail::Frame> frame_;
  std::vector<std::string> keys_;
  int split_every_ = 8;
  int ddof_ = 1;
};

/// A lazy frame over one CSV file or a glob of them, cut into partitions by file and blocksize.
/// The files are scanned once now, in parallel on the current executor: row boundaries (quote-
/// safe) and every column's type come from all the rows, not a sample. Errors name the file and
/// line: a missing file or a glob matching none, ragged rows, an unclosed quote, a value that
/// does not fit a given type.
DataFrame read_csv(const std::string& path_or_glob, const CsvOptions& options = {});

}  // namespace tessera::dataframe
