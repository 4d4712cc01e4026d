#pragma once
// Reading the rows of one partition of a CSV file: splitting fields (quotes, doubled quotes,
// CRLF), finding each column's type, and parsing the fields into typed columns. Every error
// names the file, the line, the column and the value.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "dataframe/csv_scan.hpp"
#include "tessera/dataframe/table.hpp"

namespace tessera::dataframe::detail {

/// How the file is written and what counts as missing.
struct CsvFormat {
  char sep = ',';
  char quote = '"';
  /// The fields that are missing values (pandas 1.5's defaults, plus the user's).
  void set_na_values(std::vector<std::string> values);
  const std::vector<std::string>& na_values() const noexcept { return na_values_; }
  /// Asked of every field: a filter on its first byte and length rejects most without
  /// comparing strings (a binary search for each field took a third of the parse).
  bool is_na(std::string_view field) const {
    const std::size_t n = field.size();
    if (n >= 64) return long_na_ && slow_is_na(field);
    const auto first = static_cast<unsigned char>(n ? field[0] : 0);
    const auto last = static_cast<unsigned char>(n ? field[n - 1] : 0);
    return (firsts_[first] >> n & 1) && (lasts_[last] >> n & 1) && slow_is_na(field);
  }

 private:
  bool slow_is_na(std::string_view field) const;
  std::vector<std::string> na_values_;  ///< sorted
  /// Bit n of [c]: a missing string of n bytes starts (ends) with c.
  std::array<std::uint64_t, 256> firsts_{}, lasts_{};
  bool long_na_ = false;  ///< one is 64 bytes or longer
};

/// pandas' default missing-value strings ("", "NA", "NaN", "null", "N/A", ...).
std::vector<std::string> default_na_values();

/// Rows of one partition: bytes that begin at a row start outside quotes.
struct CsvText {
  std::string_view bytes;
  const std::string* path = nullptr;  ///< for error messages
  std::uint64_t line = 1;             ///< physical line of bytes[0]
};

/// Splits rows into fields. Blank lines are skipped (as pandas does); a quoted field may hold the
/// separator, line breaks and doubled quotes; a '\r' before a line break is not part of a field.
class CsvRows {
 public:
  CsvRows(const CsvText& text, const CsvFormat& format);
  /// The next row's fields (views valid until the next call); false at the end. An unterminated
  /// quote at the end throws naming the file and the line where its field began.
  bool next(std::vector<std::string_view>& fields);
  /// Splits the next row, calling on_field(index, view) for each field as it is found (the
  /// view is valid during the call). Returns the row's field count; kNoRow at the end.
  template <class OnField>
  std::size_t visit_row(OnField&& on_field);
  /// Physical line number where the row just returned began.
  std::uint64_t line() const noexcept { return row_line_; }

 private:
  const CsvText& text_;
  const CsvFormat& format_;
  std::size_t pos_ = 0;
  std::uint64_t line_, row_line_ = 0;
  std::string scratch_;             ///< the current quoted field with doubled quotes, unescaped
  std::vector<std::string> owned_;  ///< next()'s copies of such fields
};

/// What a column's fields have shown so far, in order of generality: a column is the most
/// general kind any of its fields needs. Booleans mixed with numbers are strings (pandas' object).
enum class FieldKind : std::uint8_t { missing, boolean, int64, float64, string };
FieldKind widen(FieldKind a, FieldKind b) noexcept;
/// The column type for a kind: all missing is float64 (all NaN), as in pandas.
ColumnType column_type(FieldKind kind) noexcept;

/// The first row's fields (the header), or empty for an empty file.
std::vector<std::string> read_header(const CsvText& text, const CsvFormat& format);

/// The kind of every field of `columns` columns over the text's rows; a row with another number
/// of fields throws naming the file, the line and both counts.
std::vector<FieldKind> infer_kinds(const CsvText& text, const CsvFormat& format,
                                   std::size_t columns);

/// Which columns to read and as what: file column `use[i]` becomes output column i of `types[i]`.
struct CsvSchema {
  std::vector<std::string> file_columns;  ///< every column's name, in file order
  std::vector<std::size_t> use;
  std::vector<ColumnType> types;
};

/// The text's rows as typed columns. A field that does not fit its column's type throws
/// std::invalid_argument naming the file, the line, the column and the value.
std::vector<Column> parse_columns(const CsvText& text, const CsvFormat& format,
                                  const CsvSchema& schema);

}  // namespace tessera::dataframe::detail
