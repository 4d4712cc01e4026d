#include "tessera/dataframe/table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <memory>
#include <ostream>
#include <stdexcept>
#include <type_traits>
#include <unordered_set>

namespace tessera::dataframe {

std::string_view type_name(ColumnType type) noexcept {
  switch (type) {
    case ColumnType::int64:
      return "int64";
    case ColumnType::boolean:
      return "bool";
    case ColumnType::string:
      return "string";
    case ColumnType::float64:
      break;
  }
  return "float64";
}

std::size_t Column::size() const noexcept {
  switch (type) {
    case ColumnType::int64:
      return int64s.size();
    case ColumnType::boolean:
      return bools.size();
    case ColumnType::string:
      return codes.size();
    case ColumnType::float64:
      break;
  }
  return float64s.size();
}

bool Column::is_valid(std::size_t i) const noexcept {
  if (type == ColumnType::float64) return !std::isnan(float64s[i]);
  return valid.empty() || valid[i] != 0;
}

Table::Table(std::vector<std::string> names, std::vector<Column> columns, std::size_t index_columns)
    : names_(std::move(names)), columns_(std::move(columns)), index_columns_(index_columns) {
  if (names_.size() != columns_.size())
    throw std::invalid_argument(
        fmt::format("a table needs one name per column: {} names for {} columns", names_.size(),
                    columns_.size()));
  if (index_columns_ > columns_.size())
    throw std::invalid_argument(
        fmt::format("{} index columns in a table of {} columns", index_columns_, columns_.size()));
  std::unordered_set<std::string_view> seen;
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    const std::string& name = names_[c];
    const Column& col = columns_[c];
    if (!seen.insert(name).second)
      throw std::invalid_argument(fmt::format("column name '{}' is repeated", name));
    if (col.size() != columns_[0].size())
      throw std::invalid_argument(fmt::format("column '{}' has {} rows, but '{}' has {}", name,
                                              col.size(), names_[0], columns_[0].size()));
    // is_valid reads `valid` unchecked, so it must cover every row when present.
    if (col.type != ColumnType::float64 && !col.valid.empty() && col.valid.size() != col.size())
      throw std::invalid_argument(fmt::format("column '{}' has {} validity bytes for {} rows", name,
                                              col.valid.size(), col.size()));
    if (col.type != ColumnType::string) continue;
    if (!col.dictionary)
      throw std::invalid_argument(fmt::format("string column '{}' has no dictionary", name));
    // Missing rows may hold any placeholder code; only the codes of values must resolve.
    for (std::size_t i = 0; i < col.codes.size(); ++i) {
      const std::int32_t code = col.codes[i];
      if (col.is_valid(i) && (code < 0 || static_cast<std::size_t>(code) >= col.dictionary->size()))
        throw std::invalid_argument(
            fmt::format("string column '{}' has code {} at row {}, outside its dictionary of {}",
                        name, code, i, col.dictionary->size()));
    }
  }
}

std::size_t Table::nbytes() const noexcept {
  std::size_t bytes = 0;
  for (const Column& c : columns_) {
    bytes += c.int64s.size() * 8 + c.float64s.size() * 8 + c.bools.size() + c.codes.size() * 4 +
             c.valid.size();
    if (c.dictionary)
      for (const std::string& s : *c.dictionary) bytes += s.size();
  }
  return bytes;
}

std::size_t Table::num_rows() const noexcept {
  return columns_.empty() ? 0 : columns_.front().size();
}

const Column& Table::at(std::string_view name) const {
  for (std::size_t c = 0; c < names_.size(); ++c)
    if (names_[c] == name) return columns_[c];
  throw std::out_of_range(
      fmt::format("no column '{}'; the columns are: {}", name, fmt::join(names_, ", ")));
}

namespace {

const Column& typed(const Table& table, std::string_view name, ColumnType wanted) {
  const Column& col = table.at(name);
  if (col.type != wanted)
    throw std::invalid_argument(
        fmt::format("column '{}' is {}, not {}", name, type_name(col.type), type_name(wanted)));
  return col;
}

}  // namespace

template <class T>
std::span<const T> Table::column(std::string_view name) const {
  if constexpr (std::is_same_v<T, std::int64_t>) {
    return typed(*this, name, ColumnType::int64).int64s;
  } else if constexpr (std::is_same_v<T, double>) {
    return typed(*this, name, ColumnType::float64).float64s;
  } else {
    static_assert(std::is_same_v<T, bool>);
    const Column& col = typed(*this, name, ColumnType::boolean);
    // The stored bytes are only 0 or 1, which is bool's object representation, so the bytes can
    // be read as bools in place.
    return {reinterpret_cast<const bool*>(col.bools.data()), col.bools.size()};
  }
}

template std::span<const std::int64_t> Table::column<std::int64_t>(std::string_view) const;
template std::span<const double> Table::column<double>(std::string_view) const;
template std::span<const bool> Table::column<bool>(std::string_view) const;

std::string_view Table::string_at(std::string_view name, std::size_t row) const {
  const Column& col = typed(*this, name, ColumnType::string);
  if (row >= col.size())
    throw std::out_of_range(
        fmt::format("row {} of column '{}', which has {} rows", row, name, col.size()));
  if (!col.is_valid(row)) return {};  // a missing string reads as empty
  return (*col.dictionary)[static_cast<std::size_t>(col.codes[row])];
}

// ---- CSV ----------------------------------------------------------------------------------------

namespace {

/// Python's repr of a float, which is what pandas writes: the shortest digits that round-trip,
/// in scientific form when the exponent is below -4 or at least 16, and otherwise in fixed form
/// with at least one decimal ("3.0", not "3"), so a float column reads back as floats.
void append_float(std::string& out, double value) {
  if (std::isinf(value)) {
    out += value < 0 ? "-inf" : "inf";
    return;
  }
  char buf[32];
  const char* end = std::to_chars(buf, buf + sizeof buf, value, std::chars_format::scientific).ptr;
  const std::string_view sci(buf, static_cast<std::size_t>(end - buf));  // "-1.25e+03"
  const std::size_t e = sci.find('e');
  int exponent = 0;
  std::from_chars(sci.data() + e + 2, end, exponent);
  if (sci[e + 1] == '-') exponent = -exponent;
  if (exponent < -4 || exponent >= 16) {
    out += sci;  // to_chars writes the exponent as Python does: a sign and at least two digits
    return;
  }
  std::string_view mantissa = sci.substr(0, e);
  if (mantissa.front() == '-') {
    out += '-';
    mantissa.remove_prefix(1);
  }
  std::string digits(1, mantissa.front());
  if (mantissa.size() > 2) digits += mantissa.substr(2);
  if (exponent < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exponent - 1), '0');
    out += digits;
    return;
  }
  const auto whole = static_cast<std::size_t>(exponent) + 1;
  if (digits.size() < whole) digits.append(whole - digits.size(), '0');
  out.append(digits, 0, whole);
  out += '.';
  out += digits.size() > whole ? std::string_view(digits).substr(whole) : "0";
}

/// Quotes a field as Python's csv module does for pandas (QUOTE_MINIMAL), and also on '\r' so
/// that readers which end lines there still see one field.
void append_field(std::string& out, std::string_view text) {
  if (text.find_first_of(",\"\n\r") == std::string_view::npos) {
    out += text;
    return;
  }
  out += '"';
  for (char ch : text) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
}

void append_cell(std::string& out, const Column& col, std::size_t row) {
  if (!col.is_valid(row)) return;
  switch (col.type) {
    case ColumnType::int64: {
      char buf[24];
      out.append(buf, std::to_chars(buf, buf + sizeof buf, col.int64s[row]).ptr);
      return;
    }
    case ColumnType::float64:
      append_float(out, col.float64s[row]);
      return;
    case ColumnType::boolean:
      out += col.bools[row] ? "True" : "False";  // as pandas writes them
      return;
    case ColumnType::string:
      append_field(out, (*col.dictionary)[static_cast<std::size_t>(col.codes[row])]);
      return;
  }
}

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

}  // namespace

void Table::to_csv(const std::string& path) const {
  const auto fail = [&path] {
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path,
                                         errno != 0 ? std::strerror(errno) : "I/O error"));
  };
  errno = 0;
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "wb"));
  if (!file) fail();
  // Rows are formatted into one buffer and written in large pieces: one fwrite per field would
  // cost far more than the formatting.
  constexpr std::size_t kFlushBytes = std::size_t{1} << 20;
  std::string buffer;
  buffer.reserve(kFlushBytes + 4096);
  const auto flush = [&] {
    errno = 0;
    if (std::fwrite(buffer.data(), 1, buffer.size(), file.get()) != buffer.size()) fail();
    buffer.clear();
  };
  // Ends a row. A one-column row whose field is empty is written as "" (as pandas does), or the
  // line would be blank and readers that skip blank lines would drop the row.
  const auto end_row = [&](std::size_t row_start) {
    if (columns_.size() == 1 && buffer.size() == row_start) buffer += "\"\"";
    buffer += '\n';
    if (buffer.size() >= kFlushBytes) flush();
  };

  std::size_t row_start = buffer.size();
  for (std::size_t c = 0; c < names_.size(); ++c) {
    if (c > 0) buffer += ',';
    append_field(buffer, names_[c]);
  }
  end_row(row_start);
  const std::size_t rows = num_rows();
  for (std::size_t r = 0; r < rows; ++r) {
    row_start = buffer.size();
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c > 0) buffer += ',';
      append_cell(buffer, columns_[c], r);
    }
    end_row(row_start);
  }
  flush();
  errno = 0;
  if (std::fclose(file.release()) != 0) fail();  // a full disk may only show at the last flush
}

// ---- Printing -----------------------------------------------------------------------------------

namespace {

// pandas' display defaults: display.max_rows, half of display.min_rows, display.precision and
// display.max_colwidth.
constexpr std::size_t kMaxRows = 60;
constexpr std::size_t kEdgeRows = 5;
constexpr std::size_t kPrecision = 6;
constexpr std::size_t kMaxColWidth = 50;

/// Width in characters (UTF-8 code points), as pandas measures with len().
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char ch) { return (ch & 0xC0) != 0x80; }));
}

std::string pad(std::string_view text, std::size_t to, bool right_align) {
  const std::string fill(to - std::min(to, width(text)), ' ');
  return right_align ? fill + std::string(text) : std::string(text) + fill;
}

/// A float64 column's cells as pandas' FloatArrayFormatter writes them: "%.6f" with the trailing
/// zeros that every value has trimmed (keeping one decimal), or "%.6e" when a value would read as
/// 0 or the fixed form grows too long. `space` is the leading blank pandas gives values (not
/// index labels) so that a minus sign has room.
std::vector<std::string> float_cells(const Column& col, const std::vector<std::size_t>& rows,
                                     bool space) {
  std::vector<std::string> cells;
  cells.reserve(rows.size());
  bool large = false, small = false;
  for (std::size_t r : rows) {
    const double v = col.float64s[r];
    if (std::isnan(v)) {
      cells.emplace_back("NaN");
      continue;
    }
    large |= std::fabs(v) > 1e6;
    small |= v != 0 && std::fabs(v) < 1e-6;
    char buf[512];  // "%.6f" of 1e308 needs 317 characters
    std::snprintf(buf, sizeof buf, space ? "% .*f" : "%.*f", static_cast<int>(kPrecision), v);
    cells.emplace_back(buf);
  }
  // Trim as many trailing decimals as every finite value can lose, but keep one.
  std::size_t trim = kPrecision - 1;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!std::isfinite(col.float64s[rows[i]])) continue;
    const std::string& cell = cells[i];
    const std::size_t zeros = cell.size() - 1 - cell.find_last_not_of('0');
    trim = std::min(trim, zeros);
  }
  std::size_t longest = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (std::isfinite(col.float64s[rows[i]])) cells[i].resize(cells[i].size() - trim);
    longest = std::max(longest, cells[i].size());
  }
  if (!small && !(large && longest > kPrecision + 6)) return cells;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const double v = col.float64s[rows[i]];
    if (std::isnan(v)) continue;
    char buf[32];
    std::snprintf(buf, sizeof buf, space ? "% .*e" : "%.*e", static_cast<int>(kPrecision), v);
    cells[i] = buf;
  }
  return cells;
}

/// Shows tabs and line breaks as escapes, as pandas does, so that a cell stays on its line.
std::string escaped(std::string_view text) {
  std::string out;
  for (char ch : text) {
    if (ch == '\t')
      out += "\\t";
    else if (ch == '\n')
      out += "\\n";
    else if (ch == '\r')
      out += "\\r";
    else
      out += ch;
  }
  return out;
}

/// The cells of a column in `rows`. Values get a leading blank (pandas' leading space, which
/// makes the two blanks between columns), index labels do not.
std::vector<std::string> cells_of(const Column& col, const std::vector<std::size_t>& rows,
                                  bool space) {
  if (col.type == ColumnType::float64) return float_cells(col, rows, space);
  std::vector<std::string> cells;
  const std::string lead = space ? " " : "";
  for (std::size_t r : rows) {
    if (!col.is_valid(r)) {
      cells.push_back(lead + "NaN");
    } else if (col.type == ColumnType::int64) {
      const std::int64_t v = col.int64s[r];
      cells.push_back(v < 0 ? fmt::to_string(v) : lead + fmt::to_string(v));
    } else if (col.type == ColumnType::boolean) {
      cells.push_back(lead + (col.bools[r] ? "True" : "False"));
    } else {
      cells.push_back(lead + escaped((*col.dictionary)[static_cast<std::size_t>(col.codes[r])]));
    }
  }
  return cells;
}

/// One printed column: its lines (header lines, then one per shown row) all of `width` columns.
struct Block {
  std::vector<std::string> lines;
  std::size_t width = 0;
};

void print_empty(std::ostream& out, const Table& table) {
  const auto& names = table.column_names();
  const std::vector<std::string> values(names.begin() + table.index_columns(), names.end());
  out << fmt::format("Empty DataFrame\nColumns: [{}]\nIndex: [", fmt::join(values, ", "));
  // A table of index columns alone still has rows; pandas lists their labels.
  std::vector<std::size_t> rows(table.num_rows());
  for (std::size_t r = 0; r < rows.size(); ++r) rows[r] = r;
  std::vector<std::vector<std::string>> levels;
  for (std::size_t c = 0; c < table.index_columns(); ++c)
    levels.push_back(cells_of(table.columns()[c], rows, false));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    if (r > 0) out << ", ";
    if (levels.empty()) out << r;
    if (levels.size() == 1) out << levels[0][r];
    if (levels.size() > 1) {
      out << '(';
      for (std::size_t l = 0; l < levels.size(); ++l) out << (l > 0 ? ", " : "") << levels[l][r];
      out << ')';
    }
  }
  out << ']';
}

}  // namespace

std::ostream& operator<<(std::ostream& out, const Table& table) {
  const std::size_t num_rows = table.num_rows();
  const std::size_t num_index = table.index_columns();
  const std::size_t num_values = table.num_columns() - num_index;
  if (num_rows == 0 || num_values == 0) {
    print_empty(out, table);
    return out;
  }
  // pandas formats only the rows it shows (the first and last 5 beyond 60 rows), so widths and
  // float decimals come from those rows alone.
  const bool truncated = num_rows > kMaxRows;
  std::vector<std::size_t> rows;
  for (std::size_t r = 0; r < num_rows; ++r)
    if (!truncated || r < kEdgeRows || r >= num_rows - kEdgeRows) rows.push_back(r);
  const auto& names = table.column_names();
  const auto& columns = table.columns();
  // Header lines: the column names; with index columns a second line holds their names.
  const std::size_t header_lines = num_index > 0 ? 2 : 1;

  // The index block, left-aligned: row numbers, or the index columns' labels with an outer
  // label left blank while it repeats (pandas' sparsified MultiIndex).
  Block index;
  index.lines.assign(header_lines + rows.size(), "");
  if (num_index == 0) {
    for (std::size_t i = 0; i < rows.size(); ++i) index.lines[1 + i] = fmt::to_string(rows[i]);
  } else {
    std::vector<std::vector<std::string>> levels;
    for (std::size_t c = 0; c < num_index; ++c) levels.push_back(cells_of(columns[c], rows, false));
    // Backwards, so that row i - 1 still holds its labels when row i is compared with it.
    for (std::size_t i = rows.size(); i-- > 1;)
      for (std::size_t l = 0; l + 1 < num_index && levels[l][i] == levels[l][i - 1]; ++l)
        levels[l][i].clear();
    for (std::size_t l = 0; l < num_index; ++l) {
      std::size_t level_width = width(names[l]);
      for (const std::string& label : levels[l]) level_width = std::max(level_width, width(label));
      const bool last = l + 1 == num_index;
      const auto add = [&](std::string& line, std::string_view text) {
        line += last ? std::string(text) : pad(text, level_width, false) + " ";
      };
      add(index.lines[1], names[l]);
      for (std::size_t i = 0; i < rows.size(); ++i) add(index.lines[2 + i], levels[l][i]);
    }
  }
  for (const std::string& line : index.lines) index.width = std::max(index.width, width(line));

  // Value columns, right-aligned. pandas gives the names of numeric columns a leading blank too.
  std::vector<Block> blocks;
  for (std::size_t c = num_index; c < columns.size(); ++c) {
    const Column& col = columns[c];
    Block block;
    block.lines.push_back((col.type == ColumnType::string ? "" : " ") + names[c]);
    if (header_lines == 2) block.lines.emplace_back();
    for (std::string& cell : cells_of(col, rows, true)) {
      if (width(cell) > kMaxColWidth) {  // pandas cuts long cells to 47 characters and "..."
        std::size_t keep = 0, bytes = 0;
        for (; bytes < cell.size(); ++bytes)
          if ((cell[bytes] & 0xC0) != 0x80 && keep++ == kMaxColWidth - 3) break;
        cell = cell.substr(0, bytes) + "...";
      }
      block.lines.push_back(std::move(cell));
    }
    for (const std::string& line : block.lines) block.width = std::max(block.width, width(line));
    blocks.push_back(std::move(block));
  }

  // The "..." row between the first and last rows: ".." in a column narrower than 4.
  const auto dots = [](std::size_t w) { return std::string(w > 3 ? "..." : ".."); };
  if (truncated) {
    const auto at = static_cast<std::ptrdiff_t>(header_lines + kEdgeRows);
    index.lines.insert(index.lines.begin() + at, dots(index.width));
    for (Block& block : blocks) block.lines.insert(block.lines.begin() + at, dots(block.width));
  }

  for (std::size_t i = 0; i < index.lines.size(); ++i) {
    if (i > 0) out << '\n';
    out << pad(index.lines[i], index.width, false);
    for (const Block& block : blocks) out << ' ' << pad(block.lines[i], block.width, true);
  }
  // Like pandas, the shape is printed only when rows were left out.
  if (truncated) out << fmt::format("\n\n[{} rows x {} columns]", num_rows, num_values);
  return out;
}

}  // namespace tessera::dataframe
