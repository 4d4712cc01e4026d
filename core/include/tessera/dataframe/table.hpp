#pragma once
// A computed data frame in host memory: typed columns of equal length, as pandas holds them.

#include <cstdint>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::dataframe {

/// A column's type. Strings are dictionary-encoded: int32 codes into one dictionary of distinct
/// values (pandas' "category"), so equal strings are stored and compared once.
enum class ColumnType : std::uint8_t { int64, float64, boolean, string };

/// "int64", "float64", "bool", "string" (pandas' names, "string" for the dictionary-encoded kind).
std::string_view type_name(ColumnType type) noexcept;

/// One typed column. Exactly one of the value vectors is used, by `type`. Missing values: NaN in
/// float64 columns; for the others `valid` holds one byte per row (0: missing), or is empty when
/// none is missing.
struct Column {
  ColumnType type = ColumnType::float64;
  std::vector<std::int64_t> int64s;
  std::vector<double> float64s;
  std::vector<std::uint8_t> bools;  ///< 0 or 1
  std::vector<std::int32_t> codes;  ///< string: index into `dictionary`, -1 where missing
  std::shared_ptr<const std::vector<std::string>> dictionary;
  std::vector<std::uint8_t> valid;

  std::size_t size() const noexcept;
  /// Whether row `i` holds a value (false for NaN in a float64 column).
  bool is_valid(std::size_t i) const noexcept;
};

/// The computed result of a DataFrame: named columns of equal length. A groupby result has its
/// group keys as index columns (the first `index_columns()`), as pandas puts them in its index.
class Table {
 public:
  Table() = default;
  /// Throws std::invalid_argument naming a column whose length differs from the first's, a
  /// repeated name, or an index count beyond the columns.
  Table(std::vector<std::string> names, std::vector<Column> columns, std::size_t index_columns = 0);

  std::size_t num_rows() const noexcept;
  std::size_t num_columns() const noexcept { return columns_.size(); }
  /// Every column's name, index columns first.
  const std::vector<std::string>& column_names() const noexcept { return names_; }
  std::size_t index_columns() const noexcept { return index_columns_; }

  /// The column called `name`; std::out_of_range naming it and the columns there are otherwise.
  const Column& at(std::string_view name) const;
  ColumnType type(std::string_view name) const { return at(name).type; }
  /// The values of a column of type int64 (T = std::int64_t), float64 (double) or bool (bool);
  /// a column of another type is a std::invalid_argument naming the column, its type and T.
  template <class T>
  std::span<const T> column(std::string_view name) const;
  /// Row `row` of a string column (a view into its dictionary).
  std::string_view string_at(std::string_view name, std::size_t row) const;

  /// Writes the table as CSV with a header (index columns first), missing values as empty fields,
  /// floats in their shortest round-trip form, and fields quoted where they hold the separator,
  /// a quote or a line break. Throws std::runtime_error naming the path when it cannot write.
  void to_csv(const std::string& path) const;

  /// The rows sorted by the columns `by` (the first deciding, ties by the next), as pandas'
  /// sort_values(by, ascending, kind="stable", na_position="last"): equal rows keep their order,
  /// missing values go last in either direction, strings compare bytewise, and every column
  /// (index columns too) moves with its row. An empty `by` or an unknown column is an error
  /// naming it.
  Table sort_values(const std::vector<std::string>& by, bool ascending = true) const;

  /// Bytes the columns hold (values, masks and dictionaries): what a worker's memory counts.
  std::size_t nbytes() const noexcept;

  /// The columns in file order, for code that walks them all.
  const std::vector<Column>& columns() const noexcept { return columns_; }

 private:
  std::vector<std::string> names_;
  std::vector<Column> columns_;
  std::size_t index_columns_ = 0;
};

/// Prints the table as pandas does: a header, right-aligned columns, index columns on the left,
/// NaN for missing values; beyond 60 rows only the first and last 5 (with "..."), followed by
/// "[R rows x C columns]".
std::ostream& operator<<(std::ostream& out, const Table& table);

}  // namespace tessera::dataframe
