#include "dataframe/csv_parse.hpp"

#include "dataframe/byte_search.hpp"
#include "dataframe/string_codes.hpp"

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
  // Up to 18 digits cannot overflow: no check per digit (a division per digit was most of the
  // time an id column took).
  const char* checked = end - p > 18 ? p + 18 : end;
  for (; p != checked; ++p) {
    const unsigned digit = static_cast<unsigned char>(*p) - '0';
    if (digit > 9) return false;
    value = value * 10 + digit;
  }
  const std::uint64_t limit =
      negative ? std::uint64_t{1} << 63 : std::uint64_t(std::numeric_limits<std::int64_t>::max());
  for (; p != end; ++p) {
    const unsigned digit = static_cast<unsigned char>(*p) - '0';
    if (digit > 9) return false;
    if (__builtin_mul_overflow(value, 10u, &value) ||
        __builtin_add_overflow(value, digit, &value) || value > limit)
      return false;  // beyond int64: a float64 column
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
  // Plain decimals, most fields of most files, by their characters alone: up to 18 digits fit
  // int64 whatever they are, and digits around one '.' always read as a double.
  {
    std::size_t i = !field.empty() && field[0] == '-', digits = 0, dots = 0;
    for (; i < field.size(); ++i) {
      if (static_cast<unsigned char>(field[i] - '0') <= 9)
        ++digits;
      else if (field[i] == '.' && dots == 0)
        ++dots;
      else
        break;
    }
    if (i == field.size() && digits > 0) {
      if (dots == 1) return FieldKind::float64;
      if (digits <= 18) return FieldKind::int64;
    }
  }
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

}  // namespace

void CsvFormat::set_na_values(std::vector<std::string> values) {
  std::sort(values.begin(), values.end());
  values.erase(std::unique(values.begin(), values.end()), values.end());
  na_values_ = std::move(values);
  firsts_.fill(0);
  lasts_.fill(0);
  long_na_ = false;
  for (const std::string& v : na_values_) {
    if (v.size() >= 64) {
      long_na_ = true;
      continue;
    }
    const std::uint64_t bit = std::uint64_t{1} << v.size();
    firsts_[static_cast<unsigned char>(v.empty() ? 0 : v.front())] |= bit;
    lasts_[static_cast<unsigned char>(v.empty() ? 0 : v.back())] |= bit;
  }
}

bool CsvFormat::slow_is_na(std::string_view field) const {
  return std::binary_search(na_values_.begin(), na_values_.end(), field, std::less<>());
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

template <class OnField>
std::size_t CsvRows::visit_row(OnField&& on_field) {
  const std::string_view b = text_.bytes;
  const std::size_t size = b.size();
  const char sep = format_.sep, quote = format_.quote;
  // Blank lines are no rows.
  while (pos_ < size &&
         (b[pos_] == '\n' || (b[pos_] == '\r' && pos_ + 1 < size && b[pos_ + 1] == '\n'))) {
    pos_ += b[pos_] == '\r' ? 2 : 1;
    ++line_;
  }
  if (pos_ >= size) return kNoRow;
  row_line_ = line_;
  std::size_t field = 0;
  for (;; ++field) {
    if (pos_ < size && b[pos_] == quote) {
      // A quoted field runs to the quote not followed by another; "" stands for one quote.
      const std::uint64_t field_line = line_;
      std::size_t segment = ++pos_;
      bool escaped = false;
      scratch_.clear();
      for (;;) {
        const void* hit = std::memchr(b.data() + pos_, quote, size - pos_);
        if (!hit)
          fail(text_, field_line, "a quoted field is not closed before the end of the file");
        const std::size_t q = static_cast<const char*>(hit) - b.data();
        line_ += std::count(b.data() + pos_, b.data() + q, '\n');
        if (q + 1 < size && b[q + 1] == quote) {
          scratch_.append(b.data() + segment, q + 1 - segment);
          escaped = true;
          pos_ = segment = q + 2;
          continue;
        }
        if (escaped) {
          scratch_.append(b.data() + segment, q - segment);
          on_field(field, std::string_view(scratch_));
        } else {
          on_field(field, b.substr(segment, q - segment));
        }
        pos_ = q + 1;
        break;
      }
    } else {
      const std::size_t e = find_first_of3(b, pos_, sep, '\n', quote);
      if (e < size && b[e] == quote)
        fail(text_, line_,
             fmt::format("a quote inside an unquoted field (column {}): quote the whole field",
                         field + 1));
      std::size_t end = e;
      if (end > pos_ && b[end - 1] == '\r' && (e == size || b[e] == '\n')) --end;  // CRLF
      on_field(field, b.substr(pos_, end - pos_));
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
    return field + 1;
  }
}

bool CsvRows::next(std::vector<std::string_view>& fields) {
  // Views into scratch_ would not survive the next quoted field: copies for those.
  fields.clear();
  owned_.clear();
  std::vector<std::size_t> unescaped;
  const std::size_t n = visit_row([&](std::size_t, std::string_view field) {
    if (!scratch_.empty() && field.data() == scratch_.data()) {
      unescaped.push_back(fields.size());
      owned_.emplace_back(field);
    }
    fields.push_back(field);
  });
  for (std::size_t k = 0; k < unescaped.size(); ++k) fields[unescaped[k]] = owned_[k];
  return n != kNoRow;
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
  for (;;) {
    const std::size_t n = rows.visit_row([&](std::size_t c, std::string_view field) {
      if (c < columns && kinds[c] != FieldKind::string)
        kinds[c] = widen(kinds[c], kind_of(field, format));
    });
    if (n == kNoRow) return kinds;
    check_width(text, rows, n, columns);
  }
}

std::vector<Column> parse_columns(const CsvText& text, const CsvFormat& format,
                                  const CsvSchema& schema) {
  const std::size_t n = schema.use.size();
  std::vector<Column> columns(n);
  std::vector<StringCodes> dictionaries(n);
  // Rows are at most the line breaks plus one: room for them once, not by doubling.
  const auto rows_at_most =
      static_cast<std::size_t>(std::count(text.bytes.begin(), text.bytes.end(), '\n') + 1);
  for (std::size_t i = 0; i < n; ++i) {
    Column& column = columns[i];
    column.type = schema.types[i];
    switch (column.type) {
      case ColumnType::int64:
        column.int64s.reserve(rows_at_most);
        break;
      case ColumnType::float64:
        column.float64s.reserve(rows_at_most);
        break;
      case ColumnType::boolean:
        column.bools.reserve(rows_at_most);
        break;
      case ColumnType::string:
        column.codes.reserve(rows_at_most);
        break;
    }
  }

  // Output column of each file column (-1: not read); fields are parsed as they are split.
  std::vector<std::int32_t> output_of(schema.file_columns.size(), -1);
  for (std::size_t i = 0; i < n; ++i) output_of[schema.use[i]] = static_cast<std::int32_t>(i);
  CsvRows rows(text, format);
  std::size_t row = 0;
  auto put = [&](std::size_t file_column, std::string_view field) {
    if (file_column >= output_of.size() || output_of[file_column] < 0) return;
    const auto i = static_cast<std::size_t>(output_of[file_column]);
    Column& column = columns[i];
    if (format.is_na(field)) {
      if (column.type == ColumnType::float64) {
        column.float64s.push_back(std::numeric_limits<double>::quiet_NaN());
        return;
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
      return;
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
      case ColumnType::string:
        column.codes.push_back(dictionaries[i].code_of(field));
        break;
    }
    if (!ok)
      fail(text, rows.line(),
           fmt::format("column '{}' is {} but holds '{}'", schema.file_columns[file_column],
                       type_name(column.type), field));
  };
  for (;; ++row) {
    const std::size_t fields = rows.visit_row(put);
    if (fields == kNoRow) break;
    check_width(text, rows, fields, schema.file_columns.size());
  }
  for (std::size_t i = 0; i < n; ++i)
    if (columns[i].type == ColumnType::string)
      columns[i].dictionary =
          std::make_shared<const std::vector<std::string>>(dictionaries[i].take());
  return columns;
}

}  // namespace tessera::dataframe::detail
