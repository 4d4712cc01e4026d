#pragma once
// What a lazy frame is inside: where its partitions come from (CSV row ranges, or tasks that
// make tables), a row mask and a column selection applied to each partition in the same task.

#include <memory>
#include <string>
#include <vector>

#include "dataframe/csv_parse.hpp"
#include "dataframe/csv_scan.hpp"
#include "tessera/chunk_store.hpp"
#include "tessera/dataframe.hpp"
#include "tessera/task.hpp"

namespace tessera::dataframe::detail {

/// Column names and types, the first `index_columns` being a groupby result's keys.
struct Schema {
  std::vector<std::string> names;
  std::vector<ColumnType> types;
  std::size_t index_columns = 0;
  /// Position of `name`; std::out_of_range naming it and the columns there are otherwise.
  std::size_t position(const std::string& name) const;
};

/// An expression over a partition's columns.
struct Expr {
  enum class Op : std::uint8_t {
    column,
    constant,
    add,
    sub,
    mul,
    div,
    lt,
    le,
    gt,
    ge,
    eq,
    ne,
    and_,
    or_,
    not_
  };
  Op op = Op::column;
  ColumnType type = ColumnType::float64;  ///< the result's type
  std::string name;                       ///< the column's (or the left operand's) name
  Scalar value{0};                        ///< Op::constant
  std::shared_ptr<const Expr> a, b;
};
using ExprPtr = std::shared_ptr<const Expr>;

/// Files read by read_csv, cut into partitions.
struct CsvSource {
  std::vector<std::string> paths;
  CsvFormat format;
  std::vector<std::string> file_columns;  ///< every column in the files, in file order
  struct Partition {
    std::size_t file;
    RowRange rows;
  };
  std::vector<Partition> partitions;
};

struct Frame {
  /// The columns a partition has before the mask and the selection.
  Schema source_schema;
  std::shared_ptr<const CsvSource> csv;  ///< partitions parsed from files, or
  std::vector<TaskPtr> tasks;            ///< one task per partition returning TablePtr
  ExprPtr mask;                          ///< rows kept (none: all)
  Schema schema;                         ///< the columns after selection
  std::string name = "read-csv";         ///< task name prefix
  bool stored = false;  ///< tasks return StoredPartition (persisted), read column by column

  std::size_t npartitions() const { return csv ? csv->partitions.size() : tasks.size(); }
};
using FramePtr = std::shared_ptr<const Frame>;
using TablePtr = std::shared_ptr<const Table>;

/// Bytes [begin, end) of a file; std::runtime_error naming it when they cannot be read.
std::string read_range(const std::string& path, std::uint64_t begin, std::uint64_t end);

/// Source columns an expression reads, added to `names` (each once).
void columns_read(const Expr& expr, std::vector<std::string>& names);

/// Evaluates `expr` over a table's columns (missing values: NaN, or invalid and false in masks).
Column evaluate(const Expr& expr, const Table& table);

/// The partition's source rows with (at least) the columns `names`: parsed from its file, the
/// input task's table itself (read in place, not copied), or, for a persisted frame, those
/// columns read back from the store. `inputs`: the partition task's inputs (frame.tasks[i]).
TablePtr load_partition(const Frame& frame, std::size_t partition,
                        const std::vector<std::string>& names,
                        std::span<const Value* const> inputs);

/// Rows of `column` where keep[i] != 0.
Column take(const Column& column, const std::vector<std::uint8_t>& keep);

/// A persisted partition: each column's vectors held by the executor's ChunkStore (counted,
/// spilled to disk beyond the worker's budget), its string dictionaries here.
struct StoredPartition {
  StoredPartition(const Table& table, ChunkStore& store, int owner);
  /// The columns `names` back in host memory (read back from disk where they were spilled).
  Table load(const std::vector<std::string>& names) const;
  /// Bytes held here (the dictionaries): the columns are the store's to count.
  std::size_t nbytes() const;

  struct Stored {
    ColumnType type;
    std::shared_ptr<StoredChunk> values, valid;  // valid: none when nothing is missing
    std::shared_ptr<const std::vector<std::string>> dictionary;
  };
  std::vector<std::string> names;
  std::size_t index_columns;
  std::vector<Stored> columns;
};

/// Tables with the same columns, one after another (string dictionaries merged).
Table concat(const std::vector<TablePtr>& parts, const Schema& schema);

/// The tasks of a frame's partitions, each mask-filtered and projected: one per partition.
std::vector<TaskPtr> partition_tasks(const FramePtr& frame);

}  // namespace tessera::dataframe::detail
