// The rest of a lazy frame's operations: head, describe, to_csv, and computing a Series (its
// values, value_counts, nunique). A Series is evaluated in one task per partition, beside the
// frame's mask, as a one-column frame that groupby's tree can count.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <stdexcept>

#include "dataframe/frame.hpp"
#include "tessera/run_graph.hpp"

namespace tessera::dataframe {
namespace detail {
namespace {

// A constant Series' values: `rows` copies of the scalar.
Column broadcast(const Scalar& value, std::size_t rows) {
  Column out;
  switch (value.kind) {
    case Scalar::Kind::int64:
      out.type = ColumnType::int64;
      out.int64s.assign(rows, value.i);
      break;
    case Scalar::Kind::float64:
      out.type = ColumnType::float64;
      out.float64s.assign(rows, value.d);
      break;
    case Scalar::Kind::boolean:
      out.type = ColumnType::boolean;
      out.bools.assign(rows, value.i != 0);
      break;
    case Scalar::Kind::string:
      out.type = ColumnType::string;
      out.dictionary = std::make_shared<const std::vector<std::string>>(1, value.s);
      out.codes.assign(rows, 0);
      break;
  }
  return out;
}

// One partition of a Series: the frame's rows read and masked, the expression evaluated over
// them, with `schema`'s index columns (taken from the frame) before the value column.
Table series_partition(const Frame& frame, const Expr& expr, const Schema& schema,
                       std::size_t partition, std::span<const Value* const> inputs) {
  std::vector<std::string> names(schema.names.begin(),
                                 schema.names.begin() + static_cast<long>(schema.index_columns));
  columns_read(expr, names);
  if (frame.mask) columns_read(*frame.mask, names);
  // A constant Series reads no column, but has one row per row of the frame: count one.
  if (names.empty() && !frame.source_schema.names.empty())
    names.push_back(frame.schema.names.empty() ? frame.source_schema.names[0]
                                               : frame.schema.names[0]);
  const TablePtr loaded = load_partition(frame, partition, names, inputs);
  const Table& source = *loaded;
  std::vector<Column> columns;
  for (std::size_t c = 0; c < schema.index_columns; ++c)
    columns.push_back(source.at(schema.names[c]));
  columns.push_back(expr.op == Expr::Op::constant ? broadcast(expr.value, source.num_rows())
                                                  : evaluate(expr, source));
  if (frame.mask) {
    const std::vector<std::uint8_t> keep = evaluate(*frame.mask, source).bools;
    for (Column& column : columns) column = take(column, keep);
  }
  return Table(schema.names, std::move(columns), schema.index_columns);
}

// A frame whose partitions are a Series' values, column `name` (after the frame's index
// columns when `with_index`, but for one the Series is itself), made by one task each.
FramePtr series_frame(const FramePtr& frame, const ExprPtr& expr, const std::string& name,
                      bool with_index) {
  auto schema = std::make_shared<Schema>();
  if (with_index)
    for (std::size_t c = 0; c < frame->schema.index_columns; ++c)
      if (frame->schema.names[c] != name) {
        schema->names.push_back(frame->schema.names[c]);
        schema->types.push_back(frame->schema.types[c]);
      }
  schema->index_columns = schema->names.size();
  schema->names.push_back(name);
  schema->types.push_back(expr->type);

  auto out = std::make_shared<Frame>();
  out->source_schema = out->schema = *schema;
  out->name = "series";
  for (std::size_t i = 0; i < frame->npartitions(); ++i) {
    std::vector<TaskPtr> inputs;
    if (!frame->csv) inputs.push_back(frame->tasks[i]);
    out->tasks.push_back(std::make_shared<const TaskNode>(
        "series", std::move(inputs),
        TaskFunctions::anywhere([frame, expr, schema, i](std::span<const Value* const> in,
                                                         const TaskContext&) -> Value {
          return TablePtr(
              std::make_shared<const Table>(series_partition(*frame, *expr, *schema, i, in)));
        })));
  }
  return out;
}

// The first `n` rows of `table`.
Table first_rows(const Table& table, std::size_t n) {
  if (table.num_rows() <= n) return table;
  std::vector<std::uint8_t> keep(table.num_rows(), 0);
  std::fill(keep.begin(), keep.begin() + static_cast<long>(n), 1);
  std::vector<Column> columns;
  for (const Column& column : table.columns()) columns.push_back(take(column, keep));
  return Table(table.column_names(), std::move(columns), table.index_columns());
}

// Sum of `x` by pairwise summation (as NumPy sums): error growing as log n, not n.
double pairwise_sum(const double* x, std::size_t n) {
  if (n <= 128) {
    double sum = 0;
    for (std::size_t i = 0; i < n; ++i) sum += x[i];
    return sum;
  }
  const std::size_t half = n / 2;
  return pairwise_sum(x, half) + pairwise_sum(x + half, n - half);
}

// The q-quantile of sorted values, as NumPy's (and so pandas') linear method computes it,
// including its two-sided interpolation (exact at both ends).
double quantile(const std::vector<double>& sorted, double q) {
  const double at = static_cast<double>(sorted.size()) * q - q;  // (n - 1) q
  const double below = std::floor(at);
  const auto lo = static_cast<std::size_t>(below);
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double t = at - below, a = sorted[lo], b = sorted[hi];
  const double diff = b - a;
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}

}  // namespace
}  // namespace detail

using namespace detail;

Table Series::compute() const {
  return DataFrame(series_frame(frame_, expr_, expr_->name, true)).compute();
}

Table Series::value_counts() const {
  if (expr_->name == "count")
    throw std::invalid_argument(
        "value_counts of a Series named 'count': the result's value column and its \"count\" "
        "column would share the name");
  // Counted by groupby's tree under a fixed name, so that no Series name meets "size".
  const Table sizes =
      DataFrame(series_frame(frame_, expr_, "value", false)).groupby("value").size().compute();
  const Table counts({expr_->name, "count"}, sizes.columns(), 1);
  // Groups come sorted by value: a stable sort by count keeps ties in value order.
  return counts.sort_values({"count"}, false);
}

std::int64_t Series::nunique() const {
  const Table sizes =
      DataFrame(series_frame(frame_, expr_, "value", false)).groupby("value").size().compute();
  return static_cast<std::int64_t>(sizes.num_rows());
}

Table DataFrame::head(std::size_t n) const {
  const std::vector<TaskPtr> tasks = partition_tasks(frame_);
  std::vector<TablePtr> parts;
  std::size_t rows = 0, next = 0, batch = 1;
  while (rows < n && next < tasks.size()) {
    const std::size_t end = std::min(tasks.size(), next + batch);
    const auto computation = run_graph(std::vector<TaskPtr>(
        tasks.begin() + static_cast<long>(next), tasks.begin() + static_cast<long>(end)));
    for (std::size_t k = 0; k < end - next && rows < n; ++k) {
      parts.push_back(computation->output(k).get<TablePtr>());
      rows += parts.back()->num_rows();
    }
    next = end;
    batch *= 2;
  }
  if (parts.size() == 1) return first_rows(*parts[0], n);
  return first_rows(concat(parts, frame_->schema), n);
}

Table DataFrame::describe() const {
  const Schema& schema = frame_->schema;
  auto frame = std::make_shared<Frame>(*frame_);
  Schema& numeric = frame->schema;
  numeric = Schema{};
  for (std::size_t c = schema.index_columns; c < schema.names.size(); ++c)
    if (schema.types[c] == ColumnType::int64 || schema.types[c] == ColumnType::float64) {
      numeric.names.push_back(schema.names[c]);
      numeric.types.push_back(schema.types[c]);
    }
  if (numeric.names.empty()) {
    std::vector<std::string> columns;
    for (std::size_t c = 0; c < schema.names.size(); ++c)
      columns.push_back(fmt::format("{} ({})", schema.names[c], type_name(schema.types[c])));
    throw std::invalid_argument(fmt::format("describe needs a numeric column; the columns are: {}",
                                            fmt::join(columns, ", ")));
  }
  const Table values = DataFrame(frame).compute();

  static const std::vector<std::string> statistics = {"count", "mean", "std", "min",
                                                      "25%",   "50%",  "75%", "max"};
  std::vector<std::string> names = {""};
  std::vector<Column> columns(1);
  columns[0].type = ColumnType::string;
  columns[0].dictionary = std::make_shared<const std::vector<std::string>>(statistics);
  for (std::size_t s = 0; s < statistics.size(); ++s)
    columns[0].codes.push_back(static_cast<std::int32_t>(s));

  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  for (const std::string& name : numeric.names) {
    const Column& in = values.at(name);
    std::vector<double> x;
    x.reserve(in.size());
    for (std::size_t i = 0; i < in.size(); ++i)
      if (in.is_valid(i))
        x.push_back(in.type == ColumnType::int64 ? static_cast<double>(in.int64s[i])
                                                 : in.float64s[i]);
    const std::size_t n = x.size();
    const double count = static_cast<double>(n);
    const double mean = n ? pairwise_sum(x.data(), n) / count : nan;
    double std_dev = nan;
    if (n > 1) {  // two passes, as pandas' nanvar: squared deviations from the mean
      std::vector<double> squares(n);
      for (std::size_t i = 0; i < n; ++i) squares[i] = (x[i] - mean) * (x[i] - mean);
      std_dev = std::sqrt(pairwise_sum(squares.data(), n) / (count - 1));
    }
    std::sort(x.begin(), x.end());
    Column out;
    out.type = ColumnType::float64;
    out.float64s = {count,
                    mean,
                    std_dev,
                    n ? x.front() : nan,
                    n ? quantile(x, 0.25) : nan,
                    n ? quantile(x, 0.5) : nan,
                    n ? quantile(x, 0.75) : nan,
                    n ? x.back() : nan};
    names.push_back(name);
    columns.push_back(std::move(out));
  }
  return Table(std::move(names), std::move(columns), 1);
}

std::vector<std::string> DataFrame::to_csv(const std::string& pattern) const {
  const std::size_t star = pattern.find('*');
  if (star == std::string::npos || pattern.find('*', star + 1) != std::string::npos)
    throw std::invalid_argument(fmt::format(
        "to_csv pattern '{}' must hold exactly one '*' (each partition's number replaces it)",
        pattern));
  const std::vector<TaskPtr> tasks = partition_tasks(frame_);
  std::vector<std::string> paths;
  std::vector<TaskPtr> writes;
  for (std::size_t i = 0; i < tasks.size(); ++i) {
    std::string path = pattern.substr(0, star) + std::to_string(i) + pattern.substr(star + 1);
    paths.push_back(path);
    writes.push_back(std::make_shared<const TaskNode>(
        "to-csv", std::vector<TaskPtr>{tasks[i]},
        TaskFunctions::anywhere([path = std::move(path)](std::span<const Value* const> in,
                                                         const TaskContext&) -> Value {
          const std::filesystem::path folder = std::filesystem::path(path).parent_path();
          if (!folder.empty()) std::filesystem::create_directories(folder);
          in[0]->get<TablePtr>()->to_csv(path);
          return path;
        })));
  }
  if (!writes.empty()) run_graph(writes);
  return paths;
}

}  // namespace tessera::dataframe
