#include "dataframe/csv_parse.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#if TESSERA_HAVE_FAST_FLOAT
#include <fast_float/fast_float.h>
#endif

namespace tessera::dataframe::detail {
namespace {

[[noreturn]] void fail(const CsvText& text, std::uint64_t line, const std::string& what) {
  throw std::invalid_argument(
      fmt::format("{}:{}: {}", text.path ? *text.path : "<csv>", line, what));
}

bool parse_int64(std::string_view s, std::int64_t& out) {
  const char* p = s.data();
  const char* end = p + s.size();
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';
  if (p == end) return false;
  std::uint64_t value = 0;
  const std::uint64_t limit =
      negative ? std::uint64_t{1} << 63 : std::uint64_t(std::numeric_limits<std::int64_t>::max());
  for (; p != end; ++p) {
    const unsigned digit = static_cast<unsigned char>(*p) - '0';
    if (digit > 9) return false;
    if (value > (limit - digit) / 10) return false;  // beyond int64: a float64 column
    value = value * 10 + digit;
  }
  out = negative ? static_cast<std::int64_t>(0 - value) : static_cast<std::int64_t>(value);
  return true;
}

bool parse_float64(std::string_view s, double& out) {
  const char* first = s.data();
  const char* last = first + s.size();
  // Neither parser takes a leading '+', which pandas reads.
  if (first != last && *first == '+' && last - first > 1 && first[1] != '-' && first[1] != '+')
    ++first;
#if TESSERA_HAVE_FAST_FLOAT
  const auto result = fast_float::from_chars(first, last, out);
#else
  const auto result = std::from_chars(first, last, out);
#endif
  return result.ec == std::errc() && result.ptr == last && first != last;
}

bool parse_bool(std::string_view s, std::uint8_t& out) {
  if (s == "True" || s == "TRUE" || s == "true") return out = 1, true;
  if (s == "False" || s == "FALSE" || s == "false") return out = 0, true;
  return false;
}

FieldKind kind_of(std::string_view field, const CsvFormat& format) {
  if (format.is_na(field)) return FieldKind::missing;
  std::int64_t i;
  double d;
  std::uint8_t b;
  if (parse_int64(field, i)) return FieldKind::int64;
  if (parse_float64(field, d)) return FieldKind::float64;
  if (parse_bool(field, b)) return FieldKind::boolean;
  return FieldKind::string;
}

void check_width(const CsvText& text, const CsvRows& rows, std::size_t fields,
                 std::size_t columns) {
  if (fields != columns)
    fail(text, rows.line(), fmt::format("{} fields where the header has {}", fields, columns));
}

// Equal strings get one code; lookups take the field's view without copying it.
struct StringHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};

}  // namespace

bool CsvFormat::is_na(std::string_view field) const {
  return std::binary_search(na_values.begin(), na_values.end(), field, std::less<>());
}

std::vector<std::string> default_na_values() {
  std::vector<std::string> values{"",     "#N/A", "#N/A N/A", "#NA",     "-1.#IND", "-1.#QNAN",
                                  "-NaN", "-nan", "1.#IND",   "1.#QNAN", "<NA>",    "N/A",
                                  "NA",   "NULL", "NaN",      "n/a",     "nan",     "null"};
  std::sort(values.begin(), values.end());
  return values;
}

CsvRows::CsvRows(const CsvText& text, const CsvFormat& format)
    : text_(text), format_(format), line_(text.line) {}

bool CsvRows::next(std::vector<std::string_view>& fields) {
  const std::string_view b = text_.bytes;
  const std::size_t size = b.size();
  const char sep = format_.sep, quote = format_.quote;
  // Blank lines are no rows.
  while (pos_ < size &&
         (b[pos_] == '\n' || (b[pos_] == '\r' && pos_ + 1 < size && b[pos_ + 1] == '\n'))) {
    pos_ += b[pos_] == '\r' ? 2 : 1;
    ++line_;
  }
  if (pos_ >= size) return false;
  row_line_ = line_;
  spans_.clear();
  scratch_.clear();
  for (;;) {
    if (pos_ < size && b[pos_] == quote) {
      // A quoted field runs to the quote not followed by another; "" stands for one quote.
      const std::uint64_t field_line = line_;
      std::size_t segment = ++pos_;
      const std::size_t scratch_start = scratch_.size();
      bool unescaped = false;
      for (;;) {
        const void* hit = std::memchr(b.data() + pos_, quote, size - pos_);
        if (!hit)
          fail(text_, field_line, "a quoted field is not closed before the end of the file");
        const std::size_t q = static_cast<const char*>(hit) - b.data();
        line_ += std::count(b.data() + pos_, b.data() + q, '\n');
        if (q + 1 < size && b[q + 1] == quote) {
          scratch_.append(b.data() + segment, q + 1 - segment);
          unescaped = true;
          pos_ = segment = q + 2;
          continue;
        }
        if (unescaped) scratch_.append(b.data() + segment, q - segment);
        spans_.push_back(unescaped ? Field{true, scratch_start, scratch_.size() - scratch_start}
                                   : Field{false, segment, q - segment});
        pos_ = q + 1;
        break;
      }
    } else {
      std::size_t e = pos_;
      while (e < size && b[e] != sep && b[e] != '\n') {
        if (b[e] == quote)
          fail(text_, line_,
               fmt::format("a quote inside an unquoted field (column {}): quote the whole field",
                           spans_.size() + 1));
        ++e;
      }
      std::size_t end = e;
      if (end > pos_ && b[end - 1] == '\r' && (e == size || b[e] == '\n')) --end;  // CRLF
      spans_.push_back({false, pos_, end - pos_});
      pos_ = e;
    }
    if (pos_ < size && b[pos_] == sep) {
      ++pos_;
      continue;
    }
    if (pos_ < size && b[pos_] == '\r' && (pos_ + 1 == size || b[pos_ + 1] == '\n')) ++pos_;
    if (pos_ < size && b[pos_] == '\n') {
      ++pos_;
      ++line_;
    } else if (pos_ < size) {
      fail(text_, line_,
           fmt::format("unexpected '{}' after the closing quote of a field", b[pos_]));
    }
    break;
  }
  fields.clear();
  for (const Field& field : spans_)
    fields.emplace_back(field.unescaped
                            ? std::string_view(scratch_).substr(field.offset, field.size)
                            : b.substr(field.offset, field.size));
  return true;
}

FieldKind widen(FieldKind a, FieldKind b) noexcept {
  if (a == FieldKind::missing) return b;
  if (b == FieldKind::missing || a == b) return a;
  if (a == FieldKind::boolean || b == FieldKind::boolean) return FieldKind::string;
  return std::max(a, b);  // int64 < float64 < string
}

ColumnType column_type(FieldKind kind) noexcept {
  switch (kind) {
    case FieldKind::boolean:
      return ColumnType::boolean;
    case FieldKind::int64:
      return ColumnType::int64;
    case FieldKind::string:
      return ColumnType::string;
    default:
      return ColumnType::float64;
  }
}

std::vector<std::string> read_header(const CsvText& text, const CsvFormat& format) {
  CsvRows rows(text, format);
  std::vector<std::string_view> fields;
  if (!rows.next(fields)) return {};
  return {fields.begin(), fields.end()};
}

std::vector<FieldKind> infer_kinds(const CsvText& text, const CsvFormat& format,
                                   std::size_t columns) {
  std::vector<FieldKind> kinds(columns, FieldKind::missing);
  CsvRows rows(text, format);
  std::vector<std::string_view> fields;
  while (rows.next(fields)) {
    check_width(text, rows, fields.size(), columns);
    for (std::size_t c = 0; c < columns; ++c)
      if (kinds[c] != FieldKind::string) kinds[c] = widen(kinds[c], kind_of(fields[c], format));
  }
  return kinds;
}

std::vector<Column> parse_columns(const CsvText& text, const CsvFormat& format,
                                  const CsvSchema& schema) {
  const std::size_t n = schema.use.size();
  std::vector<Column> columns(n);
  using Dictionary = std::unordered_map<std::string, std::int32_t, StringHash, std::equal_to<>>;
  std::vector<Dictionary> lookups(n);
  std::vector<std::vector<std::string>> dictionaries(n);
  for (std::size_t i = 0; i < n; ++i) columns[i].type = schema.types[i];

  CsvRows rows(text, format);
  std::vector<std::string_view> fields;
  std::size_t row = 0;
  while (rows.next(fields)) {
    check_width(text, rows, fields.size(), schema.file_columns.size());
    for (std::size_t i = 0; i < n; ++i) {
      const std::string_view field = fields[schema.use[i]];
      Column& column = columns[i];
      if (format.is_na(field)) {
        if (column.type == ColumnType::float64) {
          column.float64s.push_back(std::numeric_limits<double>::quiet_NaN());
          continue;
        }
        // The first missing value makes the validity mask: every earlier row was valid.
        if (column.valid.empty()) column.valid.assign(row, 1);
        column.valid.push_back(0);
        switch (column.type) {
          case ColumnType::int64:
            column.int64s.push_back(0);
            break;
          case ColumnType::boolean:
            column.bools.push_back(0);
            break;
          default:
            column.codes.push_back(-1);
        }
        continue;
      }
      if (!column.valid.empty()) column.valid.push_back(1);
      bool ok = true;
      switch (column.type) {
        case ColumnType::int64:
          ok = parse_int64(field, column.int64s.emplace_back());
          break;
        case ColumnType::float64:
          ok = parse_float64(field, column.float64s.emplace_back());
          break;
        case ColumnType::boolean:
          ok = parse_bool(field, column.bools.emplace_back());
          break;
        case ColumnType::string: {
          auto found = lookups[i].find(field);
          if (found == lookups[i].end()) {
            const auto code = static_cast<std::int32_t>(dictionaries[i].size());
            dictionaries[i].emplace_back(field);
            found = lookups[i].emplace(std::string(field), code).first;
          }
          column.codes.push_back(found->second);
          break;
        }
      }
      if (!ok)
        fail(text, rows.line(),
             fmt::format("column '{}' is {} but holds '{}'", schema.file_columns[schema.use[i]],
                         type_name(column.type), field));
    }
    ++row;
  }
  for (std::size_t i = 0; i < n; ++i)
    if (columns[i].type == ColumnType::string)
      columns[i].dictionary =
          std::make_shared<const std::vector<std::string>>(std::move(dictionaries[i]));
  return columns;
}

}  // namespace tessera::dataframe::detail
