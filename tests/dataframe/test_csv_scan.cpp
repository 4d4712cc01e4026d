// Quote-safe CSV block scanning (scan_block + resolve_rows) and the field tokenizer/typed parser
// (CsvRows, infer_kinds, parse_columns). The property test is the issue's requirement: a file
// cut into blocks of ANY size reads exactly as the whole file read serially.

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "dataframe/csv_parse.hpp"
#include "dataframe/csv_scan.hpp"

namespace {

using tessera::dataframe::Column;
using tessera::dataframe::ColumnType;
using namespace tessera::dataframe::detail;

const std::string kPath = "data.csv";

struct Row {
  std::vector<std::string> fields;
  std::uint64_t line = 0;
  bool operator==(const Row&) const = default;
};

std::string escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n')
      out += "\\n";
    else if (c == '\r')
      out += "\\r";
    else
      out += c;
  }
  return out;
}

void PrintTo(const Row& row, std::ostream* os) {
  *os << "line " << row.line << ":";
  for (const std::string& f : row.fields) *os << " [" << escape(f) << "]";
}

std::string show(const std::vector<Row>& rows) {
  std::string out;
  for (const Row& row : rows) {
    out += "  line " + std::to_string(row.line) + ":";
    for (const std::string& f : row.fields) out += " [" + escape(f) + "]";
    out += "\n";
  }
  return out;
}

CsvFormat default_format() {
  CsvFormat format;
  format.set_na_values(default_na_values());
  return format;
}

// Every row CsvRows gives for `text`, with the line it reports.
std::vector<Row> tokenize(const CsvText& text, const CsvFormat& format) {
  std::vector<Row> rows;
  CsvRows reader(text, format);
  std::vector<std::string_view> fields;
  while (reader.next(fields)) rows.push_back({{fields.begin(), fields.end()}, reader.line()});
  return rows;
}

// An independent RFC 4180 state machine with the tokenizer's documented extras (blank lines
// skipped, a '\r' before a line break dropped), so the serial CsvRows read is itself checked
// against something that shares no code with it. `row_ends[i]` is the offset past row i.
struct RefRead {
  std::vector<Row> rows;
  std::vector<std::uint64_t> row_ends;
};

RefRead reference_parse(std::string_view s, char sep = ',', char quote = '"') {
  enum class State { row_start, field_start, unquoted, quoted, quote_seen };
  RefRead out;
  State state = State::row_start;
  std::uint64_t line = 1;
  Row row;
  std::string field;
  auto end_row = [&](std::uint64_t end) {
    row.fields.push_back(field);
    out.rows.push_back(row);
    out.row_ends.push_back(end);
    state = State::row_start;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    const char c = s[i];
    switch (state) {
      case State::row_start:
        if (c == '\n') {
          ++line, ++i;
        } else if (c == '\r' && i + 1 < s.size() && s[i + 1] == '\n') {
          ++line, i += 2;
        } else {
          row = Row{{}, line};
          state = State::field_start;
        }
        break;
      case State::field_start:
        field.clear();
        if (c == quote) {
          state = State::quoted;
          ++i;
        } else {
          state = State::unquoted;
        }
        break;
      case State::unquoted:
        if (c == sep) {
          row.fields.push_back(field);
          state = State::field_start;
        } else if (c == '\n') {
          if (!field.empty() && field.back() == '\r') field.pop_back();
          ++line;
          end_row(i + 1);
        } else if (c == quote) {
          throw std::runtime_error("reference: quote in unquoted field");
        } else {
          field += c;
        }
        ++i;
        break;
      case State::quoted:
        if (c == quote)
          state = State::quote_seen;
        else
          field += c;
        if (c == '\n') ++line;
        ++i;
        break;
      case State::quote_seen:
        if (c == quote) {
          field += quote;
          state = State::quoted;
        } else if (c == sep) {
          row.fields.push_back(field);
          state = State::field_start;
        } else if (c == '\n') {
          ++line;
          end_row(i + 1);
        } else if (!(c == '\r' && (i + 1 == s.size() || s[i + 1] == '\n'))) {
          throw std::runtime_error("reference: text after closing quote");
        }
        ++i;
        break;
    }
  }
  switch (state) {
    case State::row_start:
      break;
    case State::quoted:
      throw std::runtime_error("reference: unterminated quote");
    case State::field_start:
      field.clear();
      end_row(s.size());
      break;
    case State::unquoted:
      if (!field.empty() && field.back() == '\r') field.pop_back();
      end_row(s.size());
      break;
    case State::quote_seen:
      end_row(s.size());
      break;
  }
  return out;
}

// A random small CSV plus what it is meant to hold (written independently of both parsers).
struct GeneratedCsv {
  std::string bytes;
  std::uint64_t data_begin = 0, data_line = 1;
  std::vector<Row> rows;  // the data rows the file was written from (blank ones dropped)
  bool quoted_newline = false, crlf = false, doubled_quote = false, no_final_break = false,
       blank_lines = false, empty_fields = false, multiline_header = false;
};

class CsvGenerator {
 public:
  explicit CsvGenerator(std::uint64_t seed) : rng_(seed) {}

  GeneratedCsv next() {
    GeneratedCsv csv;
    const std::size_t columns = 1 + pick(4);
    const std::size_t rows = pick(13);
    const bool final_break = pick(4) != 0;
    csv.no_final_break = !final_break;
    // Header: names, one of which may be quoted with a line break inside (data_line != 2).
    for (std::size_t c = 0; c < columns; ++c) {
      if (c) csv.bytes += ',';
      const bool multiline = pick(6) == 0;
      csv.multiline_header |= multiline;
      csv.bytes += multiline ? "\"c\n" : "c";
      csv.bytes += std::to_string(c);
      if (multiline) csv.bytes += '"';
    }
    if (rows > 0 || final_break) csv.bytes += eol(csv);
    csv.data_begin = csv.bytes.size();
    csv.data_line = 1 + std::count(csv.bytes.begin(), csv.bytes.end(), '\n');

    for (std::size_t r = 0; r < rows; ++r) {
      while (pick(6) == 0) {  // blank lines between rows
        csv.bytes += eol(csv);
        csv.blank_lines = true;
      }
      Row row;
      row.line = 1 + std::count(csv.bytes.begin(), csv.bytes.end(), '\n');
      bool blank = true;  // the written line is empty: no row (as pandas' skip_blank_lines)
      for (std::size_t c = 0; c < columns; ++c) {
        if (c) csv.bytes += ',';
        const auto [text, value] = field(csv);
        csv.bytes += text;
        row.fields.push_back(value);
        blank = blank && text.empty();
      }
      if (!(blank && columns == 1)) csv.rows.push_back(row);
      if (r + 1 < rows || final_break) csv.bytes += eol(csv);
    }
    if (final_break && rows > 0)
      while (pick(8) == 0) csv.bytes += eol(csv), csv.blank_lines = true;
    return csv;
  }

 private:
  std::uint64_t pick(std::uint64_t n) { return rng_() % n; }

  std::string eol(GeneratedCsv& csv) {
    if (pick(2)) return "\n";
    csv.crlf = true;
    return "\r\n";
  }

  // {as written, value}
  std::pair<std::string, std::string> field(GeneratedCsv& csv) {
    static const char* const words[] = {"a", "bb", "hello", "x y", "NA", "True", "-"};
    static const char* const pieces[] = {"a", ",", "\n", "\r\n", "\"\"", "b c", "1", "\r"};
    switch (pick(8)) {
      case 0:
        csv.empty_fields = true;
        return {"", ""};
      case 1:
      case 2: {
        const std::string w = words[pick(std::size(words))];
        return {w, w};
      }
      case 3: {
        const std::string n = pick(2) ? std::to_string(static_cast<std::int64_t>(pick(2000)) - 1000)
                                      : std::to_string(pick(100)) + ".5e" + std::to_string(pick(5));
        return {n, n};
      }
      default: {
        std::string raw, value;
        for (std::uint64_t k = pick(5); k > 0; --k) {
          const std::string p = pieces[pick(std::size(pieces))];
          raw += p;
          if (p == "\"\"") {
            value += '"';
            csv.doubled_quote = true;
          } else {
            value += p;
          }
          if (p.find('\n') != std::string::npos) csv.quoted_newline = true;
        }
        return {"\"" + raw + "\"", value};
      }
    }
  }

  std::mt19937_64 rng_;
};

// --- 1. The property: every block size reads the file exactly as a serial read does. ---------

// The issue's requirement. For ~200 random files with quotes, doubled quotes, quoted separators
// and line breaks, CRLF, empty fields, blank lines and a missing final line break, the rows read
// per block (scan_block on each block, resolve_rows, CsvRows on each range) must equal the
// whole-file serial read for every block size from 1 byte to past the file's size: same fields
// and same physical line numbers, and the ranges must tile [data_begin, file size).
TEST(CsvScan, EveryBlockSizeReadsLikeTheWholeFile) {
  const CsvFormat format = default_format();
  CsvGenerator generator(0x7e55e7a2024ull);
  std::size_t tiling_failures = 0, field_failures = 0, line_failures = 0, throw_failures = 0;
  std::size_t reported = 0, block_reads = 0;
  GeneratedCsv coverage;
  auto report = [&](const GeneratedCsv& csv, std::size_t file, std::uint64_t block_size,
                    const std::string& what) {
    if (++reported > 6) return;
    ADD_FAILURE() << "file #" << file << " \"" << escape(csv.bytes) << "\" (" << csv.bytes.size()
                  << " bytes, data_begin " << csv.data_begin << ", data_line " << csv.data_line
                  << "), block size " << block_size << ": " << what;
  };

  for (std::size_t file = 0; file < 200; ++file) {
    const GeneratedCsv csv = generator.next();
    coverage.quoted_newline |= csv.quoted_newline;
    coverage.crlf |= csv.crlf;
    coverage.doubled_quote |= csv.doubled_quote;
    coverage.no_final_break |= csv.no_final_break;
    coverage.blank_lines |= csv.blank_lines;
    coverage.empty_fields |= csv.empty_fields;
    coverage.multiline_header |= csv.multiline_header;
    const std::string_view bytes = csv.bytes;
    const std::uint64_t size = bytes.size();

    // The independent reference agrees with what was written, header included...
    const RefRead ref = reference_parse(bytes);
    ASSERT_FALSE(ref.rows.empty()) << escape(csv.bytes);
    ASSERT_EQ(ref.row_ends[0], csv.data_begin) << escape(csv.bytes);
    const std::vector<Row> ref_data(ref.rows.begin() + 1, ref.rows.end());
    ASSERT_EQ(ref_data, csv.rows) << escape(csv.bytes) << "\nreference:\n"
                                  << show(ref_data) << "written:\n"
                                  << show(csv.rows);
    // ... and the serial CsvRows read of the data agrees with the reference.
    const CsvText whole{bytes.substr(csv.data_begin), &kPath, csv.data_line};
    const std::vector<Row> serial = tokenize(whole, format);
    ASSERT_EQ(serial, ref_data) << escape(csv.bytes) << "\nCsvRows:\n"
                                << show(serial) << "reference:\n"
                                << show(ref_data);

    for (std::uint64_t block_size = 1; block_size <= size + 1; ++block_size) {
      const std::uint64_t blocks = std::max<std::uint64_t>(1, (size + block_size - 1) / block_size);
      std::vector<BlockScan> scans;
      for (std::uint64_t b = 0; b < blocks; ++b)
        scans.push_back(scan_block(bytes.substr(b * block_size, block_size), '"'));
      const std::vector<RowRange> ranges =
          resolve_rows(scans, block_size, size, csv.data_begin, csv.data_line);
      ++block_reads;

      // The ranges tile the data exactly: one per block, each starting where the last ended.
      std::string tiling;
      if (ranges.size() != blocks) {
        tiling = std::to_string(ranges.size()) + " ranges for " + std::to_string(blocks);
      } else {
        std::uint64_t at = csv.data_begin;
        for (std::size_t b = 0; b < ranges.size() && tiling.empty(); ++b) {
          if (ranges[b].begin != at || ranges[b].end < ranges[b].begin)
            tiling = "range " + std::to_string(b) + " is [" + std::to_string(ranges[b].begin) +
                     ", " + std::to_string(ranges[b].end) + ") after one ending at " +
                     std::to_string(at);
          at = ranges[b].end;
        }
        if (tiling.empty() && at != size) tiling = "the last range ends at " + std::to_string(at);
      }
      if (!tiling.empty()) {
        ++tiling_failures;
        report(csv, file, block_size, "ranges do not tile the data: " + tiling);
        continue;
      }

      std::vector<Row> blocked;
      try {
        for (const RowRange& range : ranges) {
          const CsvText text{bytes.substr(range.begin, range.end - range.begin), &kPath,
                             range.line};
          for (Row& row : tokenize(text, format)) blocked.push_back(std::move(row));
        }
      } catch (const std::exception& e) {
        ++throw_failures;
        report(csv, file, block_size, std::string("a block read threw: ") + e.what());
        continue;
      }
      auto fields_of = [](const std::vector<Row>& rows) {
        std::vector<std::vector<std::string>> out;
        for (const Row& row : rows) out.push_back(row.fields);
        return out;
      };
      if (fields_of(blocked) != fields_of(serial)) {
        ++field_failures;
        report(csv, file, block_size,
               "fields differ.\nblocks:\n" + show(blocked) + "serial:\n" + show(serial));
      } else if (blocked != serial) {
        ++line_failures;
        report(csv, file, block_size,
               "line numbers differ.\nblocks:\n" + show(blocked) + "serial:\n" + show(serial));
      }
    }
  }
  EXPECT_EQ(tiling_failures, 0u);
  EXPECT_EQ(throw_failures, 0u);
  EXPECT_EQ(field_failures, 0u);
  EXPECT_EQ(line_failures, 0u) << "of " << block_reads << " block-size reads";
  // The generator really produced every feature the property is about.
  EXPECT_TRUE(coverage.quoted_newline);
  EXPECT_TRUE(coverage.crlf);
  EXPECT_TRUE(coverage.doubled_quote);
  EXPECT_TRUE(coverage.no_final_break);
  EXPECT_TRUE(coverage.blank_lines);
  EXPECT_TRUE(coverage.empty_fields);
  EXPECT_TRUE(coverage.multiline_header);
  EXPECT_GT(block_reads, 10'000u);
}

// The reference parser itself must be right, or the property above proves nothing.
TEST(CsvScan, ReferenceParserSanity) {
  const RefRead r = reference_parse("a,\"b\"\"c\nd\",\r\n\n\"\"\r\nx");
  ASSERT_EQ(r.rows.size(), 3u);
  EXPECT_EQ(r.rows[0], (Row{{"a", "b\"c\nd", ""}, 1}));
  EXPECT_EQ(r.rows[1], (Row{{""}, 4}));
  EXPECT_EQ(r.rows[2], (Row{{"x"}, 5}));
  EXPECT_EQ(r.row_ends, (std::vector<std::uint64_t>{13, 18, 19}));
}

// --- 2. scan_block and resolve_rows on small known inputs. ----------------------------------

// Both start states of one block, with exact offsets: a quoted line break is a row end only for
// the start state that sees it outside quotes. newlines_before is documented as the line breaks
// before first_row, i.e. in bytes [0, first_row), so it includes the break that ends the row.
TEST(CsvScan, ScanBlockBothStartStates) {
  // a b " c \n d " \n e f \n
  // 0 1 2 3 4  5 6 7  8 9 10
  const BlockScan scan = scan_block("ab\"c\nd\"\nef\n", '"');
  EXPECT_EQ(scan.first_row[0], 8u);  // outside at start: the quote opens, the break at 7 ends
  EXPECT_EQ(scan.first_row[1], 5u);  // inside at start: the quote at 2 closes, the break at 4
  EXPECT_EQ(scan.newlines_before[0], 2u);
  EXPECT_EQ(scan.newlines_before[1], 1u);
  EXPECT_FALSE(scan.ends_inside[0]);
  EXPECT_TRUE(scan.ends_inside[1]);
  EXPECT_EQ(scan.newlines, 3u);
}

// A block that starts inside a quoted field (its file began `x,"ab`): under start state 1 the
// first break is quoted and the row ends at the second; under state 0 the reverse.
TEST(CsvScan, BlockStartingInsideAQuote) {
  // c \n d " , e \n
  // 0 1  2 3 4 5 6
  const BlockScan scan = scan_block("c\nd\",e\n", '"');
  EXPECT_EQ(scan.first_row[1], 7u);
  EXPECT_EQ(scan.newlines_before[1], 2u);
  EXPECT_EQ(scan.first_row[0], 2u);
  EXPECT_EQ(scan.newlines_before[0], 1u);
  EXPECT_TRUE(scan.ends_inside[0]);
  EXPECT_FALSE(scan.ends_inside[1]);
  EXPECT_EQ(scan.newlines, 2u);
}

// No line break at all, a doubled quote (toggles twice), and an empty block.
TEST(CsvScan, ScanBlockWithoutRowEnd) {
  const BlockScan none = scan_block("ab\"\"c", '"');
  EXPECT_EQ(none.first_row[0], kNoRow);
  EXPECT_EQ(none.first_row[1], kNoRow);
  EXPECT_FALSE(none.ends_inside[0]);
  EXPECT_TRUE(none.ends_inside[1]);
  EXPECT_EQ(none.newlines, 0u);

  const BlockScan empty = scan_block("", '"');
  EXPECT_EQ(empty.first_row[0], kNoRow);
  EXPECT_FALSE(empty.ends_inside[0]);
  EXPECT_TRUE(empty.ends_inside[1]);

  // Another quote character: '"' is then an ordinary byte.
  const BlockScan single = scan_block("'\n'\n\"\n", '\'');
  EXPECT_EQ(single.first_row[0], 4u);
  EXPECT_EQ(single.first_row[1], 2u);
  EXPECT_EQ(single.newlines, 3u);
}

// A quoted line break across a block boundary: the row "1,"a\nb"" must stay whole in block 0's
// range, and block 1's range must start at "2,x" on physical line 4.
TEST(CsvScan, QuotedNewlineAcrossBlockBoundary) {
  // h \n 1 , " a \n | b " \n 2 , | x \n
  // 0 1  2 3 4 5 6  | 7 8 9  0 1 | 2 3      (blocks of 6 bytes)
  const std::string file = "h\n1,\"a\nb\"\n2,x\n";
  ASSERT_EQ(file.size(), 14u);
  std::vector<BlockScan> scans;
  for (std::size_t b = 0; b < file.size(); b += 6)
    scans.push_back(scan_block(file.substr(b, 6), '"'));
  ASSERT_EQ(scans.size(), 3u);
  EXPECT_TRUE(scans[0].ends_inside[0]);
  const std::vector<RowRange> ranges = resolve_rows(scans, 6, file.size(), 2, 2);
  ASSERT_EQ(ranges.size(), 3u);
  EXPECT_EQ(ranges[0].begin, 2u);
  EXPECT_EQ(ranges[0].end, 10u);
  EXPECT_EQ(ranges[0].line, 2u);
  EXPECT_EQ(ranges[1].begin, 10u);
  EXPECT_EQ(ranges[1].end, 14u);
  EXPECT_EQ(ranges[1].line, 4u);
  EXPECT_EQ(ranges[2].begin, 14u);  // nothing begins in the last block
  EXPECT_EQ(ranges[2].end, 14u);

  const CsvFormat format = default_format();
  const CsvText first{std::string_view(file).substr(2, 8), &kPath, ranges[0].line};
  EXPECT_EQ(tokenize(first, format), (std::vector<Row>{{{"1", "a\nb"}, 2}}));
  const CsvText second{std::string_view(file).substr(10, 4), &kPath, ranges[1].line};
  EXPECT_EQ(tokenize(second, format), (std::vector<Row>{{{"2", "x"}, 4}}));
}

// A quoted field longer than a block: the blocks inside it start no row and get empty ranges
// at the next row start; the last row has no line break.
TEST(CsvScan, QuotedFieldLongerThanABlock) {
  // h \n " a b c d e f g \n h " \n 1
  // 0 1  2 3 4 5 6 7 8 9 10 11 12 13 14
  const std::string file = "h\n\"abcdefg\nh\"\n1";
  ASSERT_EQ(file.size(), 15u);
  std::vector<BlockScan> scans;
  for (std::size_t b = 0; b < file.size(); b += 3)
    scans.push_back(scan_block(file.substr(b, 3), '"'));
  const std::vector<RowRange> ranges = resolve_rows(scans, 3, file.size(), 2, 2);
  ASSERT_EQ(ranges.size(), 5u);
  // Block 0 holds the long row [2, 14); blocks 1-3 begin no row; block 4 holds "1" from 14.
  EXPECT_EQ(ranges[0].begin, 2u);
  EXPECT_EQ(ranges[0].end, 14u);
  for (std::size_t b = 1; b <= 3; ++b) {
    EXPECT_EQ(ranges[b].begin, 14u) << b;
    EXPECT_EQ(ranges[b].end, 14u) << b;
  }
  EXPECT_EQ(ranges[4].begin, 14u);
  EXPECT_EQ(ranges[4].end, 15u);
  EXPECT_EQ(ranges[4].line, 4u);
}

// --- 3. Types, values, dictionaries and missing values. --------------------------------------

TEST(CsvParse, WidenAndColumnType) {
  EXPECT_EQ(widen(FieldKind::missing, FieldKind::int64), FieldKind::int64);
  EXPECT_EQ(widen(FieldKind::boolean, FieldKind::missing), FieldKind::boolean);
  EXPECT_EQ(widen(FieldKind::int64, FieldKind::float64), FieldKind::float64);
  EXPECT_EQ(widen(FieldKind::float64, FieldKind::int64), FieldKind::float64);
  EXPECT_EQ(widen(FieldKind::boolean, FieldKind::int64), FieldKind::string);
  EXPECT_EQ(widen(FieldKind::float64, FieldKind::boolean), FieldKind::string);
  EXPECT_EQ(widen(FieldKind::int64, FieldKind::string), FieldKind::string);
  EXPECT_EQ(column_type(FieldKind::missing), ColumnType::float64);
  EXPECT_EQ(column_type(FieldKind::int64), ColumnType::int64);
  EXPECT_EQ(column_type(FieldKind::float64), ColumnType::float64);
  EXPECT_EQ(column_type(FieldKind::boolean), ColumnType::boolean);
  EXPECT_EQ(column_type(FieldKind::string), ColumnType::string);
}

// Inferred kinds as pandas would type them, then the values parsed with those types.
TEST(CsvParse, InfersTypesAndParsesValues) {
  const CsvFormat format = default_format();
  const std::string header = "i,f,b,s,im,allna,boolnum,big,intfloat,quoted,minmax";
  const std::string data =
      "1,1.5,True,x,7,,True,9223372036854775808,1,\"12\",-9223372036854775808\r\n"
      "-2,1e5,false,y,,NaN,1,1,2.5,\"3\",9223372036854775807\r\n"
      "+5,inf,TRUE,x,NA,null,0,2,3,\"-4\",0\r\n"
      "0,-2,true,z,8,NA,False,3,4,\"5\",1";
  const std::vector<std::string> names = read_header(CsvText{header, &kPath, 1}, format);
  ASSERT_EQ(names.size(), 11u);
  const CsvText text{data, &kPath, 2};
  const std::vector<FieldKind> kinds = infer_kinds(text, format, names.size());
  const std::vector<FieldKind> expected{FieldKind::int64,  FieldKind::float64, FieldKind::boolean,
                                        FieldKind::string, FieldKind::int64,   FieldKind::missing,
                                        FieldKind::string, FieldKind::float64, FieldKind::float64,
                                        FieldKind::int64,  FieldKind::int64};
  ASSERT_EQ(kinds, expected);

  CsvSchema schema{names, {}, {}};
  for (std::size_t c = 0; c < names.size(); ++c) {
    schema.use.push_back(c);
    schema.types.push_back(column_type(kinds[c]));
  }
  const std::vector<Column> cols = parse_columns(text, format, schema);
  ASSERT_EQ(cols.size(), 11u);
  EXPECT_EQ(cols[0].int64s, (std::vector<std::int64_t>{1, -2, 5, 0}));
  EXPECT_TRUE(cols[0].valid.empty());
  EXPECT_EQ(cols[1].float64s,
            (std::vector<double>{1.5, 1e5, std::numeric_limits<double>::infinity(), -2.0}));
  EXPECT_EQ(cols[2].bools, (std::vector<std::uint8_t>{1, 0, 1, 1}));
  EXPECT_TRUE(cols[2].valid.empty());
  // Strings: equal values share a code. (The last column reading as int64 shows CRLF stripped.)
  ASSERT_TRUE(cols[3].dictionary);
  EXPECT_EQ(cols[3].codes, (std::vector<std::int32_t>{0, 1, 0, 2}));
  EXPECT_EQ(*cols[3].dictionary, (std::vector<std::string>{"x", "y", "z"}));
  // An int column with missing values stays int64 with a validity mask.
  EXPECT_EQ(cols[4].type, ColumnType::int64);
  EXPECT_EQ(cols[4].valid, (std::vector<std::uint8_t>{1, 0, 0, 1}));
  EXPECT_EQ(cols[4].int64s[0], 7);
  EXPECT_EQ(cols[4].int64s[3], 8);
  // All missing: float64, all NaN.
  EXPECT_EQ(cols[5].type, ColumnType::float64);
  ASSERT_EQ(cols[5].float64s.size(), 4u);
  for (double v : cols[5].float64s) EXPECT_TRUE(std::isnan(v));
  // Booleans mixed with numbers: strings, values as written.
  ASSERT_TRUE(cols[6].dictionary);
  EXPECT_EQ(*cols[6].dictionary, (std::vector<std::string>{"True", "1", "0", "False"}));
  // Beyond int64: float64.
  EXPECT_EQ(cols[7].float64s, (std::vector<double>{9223372036854775808.0, 1, 2, 3}));
  EXPECT_EQ(cols[8].float64s, (std::vector<double>{1, 2.5, 3, 4}));
  // Quoted numbers are numbers.
  EXPECT_EQ(cols[9].int64s, (std::vector<std::int64_t>{12, 3, -4, 5}));
  EXPECT_EQ(cols[10].int64s,
            (std::vector<std::int64_t>{std::numeric_limits<std::int64_t>::min(),
                                       std::numeric_limits<std::int64_t>::max(), 0, 1}));
}

// A subset of columns in another order (use), string missing values as code -1, and the CR of
// a CRLF not part of the last field (an empty last field before CRLF is missing).
TEST(CsvParse, UseColumnsAndStringMissing) {
  const CsvFormat format = default_format();
  const std::string data = "1,a\r\n2,\r\n3,b\r\n4,a\r\n5,n/a";
  const CsvText text{data, &kPath, 2};
  const CsvSchema schema{{"n", "s"}, {0, 1}, {ColumnType::float64, ColumnType::string}};
  const std::vector<Column> cols = parse_columns(text, format, schema);
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].float64s, (std::vector<double>{1, 2, 3, 4, 5}));
  EXPECT_EQ(cols[1].codes, (std::vector<std::int32_t>{0, -1, 1, 0, -1}));
  EXPECT_EQ(cols[1].valid, (std::vector<std::uint8_t>{1, 0, 1, 1, 0}));
  ASSERT_TRUE(cols[1].dictionary);
  EXPECT_EQ(*cols[1].dictionary, (std::vector<std::string>{"a", "b"}));
}

// The default NA strings (pandas') and user ones added to them.
TEST(CsvParse, NaValues) {
  const std::vector<std::string> na = default_na_values();
  EXPECT_TRUE(std::is_sorted(na.begin(), na.end()));
  CsvFormat format;
  format.set_na_values(na);
  for (const char* s :
       {"", "NA", "NaN", "nan", "null", "NULL", "N/A", "n/a", "#N/A", "<NA>", "-NaN"})
    EXPECT_TRUE(format.is_na(s)) << s;
  for (const char* s : {"0", "missing", "-999", "na", "none"}) EXPECT_FALSE(format.is_na(s)) << s;

  const std::string data = "1,a\nmissing,-999\n-999,b\n";
  EXPECT_EQ(infer_kinds(CsvText{data, &kPath, 2}, format, 2),
            (std::vector<FieldKind>{FieldKind::string, FieldKind::string}));

  std::vector<std::string> more = na;
  more.push_back("missing");
  more.push_back("-999");
  format.set_na_values(more);
  const CsvText text{data, &kPath, 2};
  const std::vector<FieldKind> kinds = infer_kinds(text, format, 2);
  EXPECT_EQ(kinds, (std::vector<FieldKind>{FieldKind::int64, FieldKind::string}));
  const std::vector<Column> cols =
      parse_columns(text, format, {{"n", "s"}, {0, 1}, {ColumnType::int64, ColumnType::string}});
  EXPECT_EQ(cols[0].valid, (std::vector<std::uint8_t>{1, 0, 0}));
  EXPECT_EQ(cols[0].int64s[0], 1);
  EXPECT_EQ(cols[1].codes, (std::vector<std::int32_t>{0, -1, 1}));
}

// Tokenizer details: quoted separators, line breaks and doubled quotes; CRLF; blank lines
// skipped; empty fields; a last row without a line break; the line each row began on.
TEST(CsvParse, TokenizerFieldsAndLines) {
  const CsvFormat format = default_format();
  const std::string data = "\"a,b\",\"c\"\"d\"\r\n\r\n\n\"x\r\ny\",\r\n,\n\"\",\"q\"";
  const CsvText text{data, &kPath, 10};
  const std::vector<Row> rows = tokenize(text, format);
  const std::vector<Row> expected{
      {{"a,b", "c\"d"}, 10}, {{"x\r\ny", ""}, 13}, {{"", ""}, 15}, {{"", "q"}, 16}};
  EXPECT_EQ(rows, expected) << show(rows);
  EXPECT_EQ(read_header(CsvText{"\n\nh1,\"h\n2\"\nx,y\n", &kPath, 1}, format),
            (std::vector<std::string>{"h1", "h\n2"}));
  EXPECT_TRUE(read_header(CsvText{"", &kPath, 1}, format).empty());
}

// --- 4. Errors name the file and the line. ----------------------------------------------------

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<wrong exception type> ") + e.what();
  }
  return "<no exception>";
}

void expect_contains(const std::string& message, std::initializer_list<const char*> parts) {
  for (const char* part : parts)
    EXPECT_NE(message.find(part), std::string::npos)
        << "'" << message << "' lacks '" << part << "'";
}

// A row with another number of fields than the header: file:line (of the row's start, past a
// quoted line break) and both counts, from infer_kinds and from parse_columns.
TEST(CsvParse, RaggedRowNamesFileLineAndCounts) {
  const CsvFormat format = default_format();
  const std::string data = "1,\"a\nb\"\n2,c\n3\n4,d\n";
  const CsvText text{data, &kPath, 2};
  const std::string infer = error_of([&] { infer_kinds(text, format, 2); });
  expect_contains(infer, {"data.csv:5", "1 field", "2"});
  const std::string parse = error_of([&] {
    parse_columns(text, format, {{"n", "s"}, {0, 1}, {ColumnType::int64, ColumnType::string}});
  });
  expect_contains(parse, {"data.csv:5", "1 field", "2"});
  // Too many fields too.
  const std::string wide = error_of([&] { infer_kinds(CsvText{"1,2,3\n", &kPath, 7}, format, 2); });
  expect_contains(wide, {"data.csv:7", "3 fields", "2"});
}

// An unterminated quote at the end names the line where the field began, not the last line.
TEST(CsvParse, UnterminatedQuoteNamesWhereTheFieldBegan) {
  const CsvFormat format = default_format();
  const std::string data = "1,2\n3,\"abc\n\ndef\n";
  const CsvText text{data, &kPath, 2};
  const std::string message = error_of([&] { tokenize(text, format); });
  expect_contains(message, {"data.csv:3", "not closed"});
  EXPECT_EQ(message.find("data.csv:6"), std::string::npos) << message;
}

// A quote in the middle of an unquoted field, and text after a closing quote.
TEST(CsvParse, MisplacedQuotesNameFileAndLine) {
  const CsvFormat format = default_format();
  const std::string inside = "1,2\n3,ab\"c\n";
  expect_contains(error_of([&] {
                    tokenize(CsvText{inside, &kPath, 5}, format);
                  }),
                  {"data.csv:6", "quote"});
  const std::string after = "1,2\n\"ab\"c,1\n";
  expect_contains(error_of([&] {
                    tokenize(CsvText{after, &kPath, 5}, format);
                  }),
                  {"data.csv:6", "after the closing quote"});
  // Without a path the message still has a place holder and the line.
  expect_contains(error_of([&] { tokenize(CsvText{after, nullptr, 5}, format); }), {":6"});
}

// A value that does not fit the column's given type: file:line, column name and value.
TEST(CsvParse, ValueNotFittingTheTypeNamesColumnAndValue) {
  const CsvFormat format = default_format();
  const std::string data = "1,x\n\"2\n\",y\n3.5,z\n";
  const CsvText text{data, &kPath, 2};
  const CsvSchema ints{{"count", "name"}, {0}, {ColumnType::int64}};
  // Row "\"2\n\"" is not an int either ("2\n"): it is the first failure, on line 3.
  expect_contains(error_of([&] { parse_columns(text, format, ints); }),
                  {"data.csv:3", "count", "2\n"});
  const std::string clean = "1,x\n2,y\n3.5,z\n";
  expect_contains(error_of([&] {
                    parse_columns(CsvText{clean, &kPath, 2}, format, ints);
                  }),
                  {"data.csv:4", "'count'", "3.5", "int64"});
  const CsvSchema bools{{"count", "name"}, {1}, {ColumnType::boolean}};
  expect_contains(error_of([&] {
                    parse_columns(CsvText{clean, &kPath, 2}, format, bools);
                  }),
                  {"data.csv:2", "'name'", "'x'"});
  const CsvSchema floats{{"count", "name"}, {1}, {ColumnType::float64}};
  expect_contains(error_of([&] {
                    parse_columns(CsvText{clean, &kPath, 2}, format, floats);
                  }),
                  {"data.csv:2", "'name'", "float64"});
}

}  // namespace
