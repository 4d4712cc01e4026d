#include "dataframe/csv_scan.hpp"

#include "dataframe/byte_search.hpp"

#include <algorithm>

namespace tessera::dataframe::detail {

BlockScan scan_block(std::string_view bytes, char quote) {
  BlockScan scan;
  // `inside` is the state for start state 0; start state 1 sees the opposite at every byte, so
  // one pass serves both: a line break ends a row under start state (inside ? 1 : 0).
  bool inside = false;
  for (std::uint64_t i = find_first_of3(bytes, 0, quote, '\n', quote); i < bytes.size();
       i = find_first_of3(bytes, i + 1, quote, '\n', quote)) {
    const char c = bytes[i];
    if (c == quote) {
      inside = !inside;
    } else if (c == '\n') {
      const int state = inside ? 1 : 0;  // the start state under which this break ends a row
      if (scan.first_row[state] == kNoRow) {
        scan.first_row[state] = i + 1;
        scan.newlines_before[state] = scan.newlines + 1;  // the break ending that row too
      }
      ++scan.newlines;
    }
  }
  scan.ends_inside[0] = inside;
  scan.ends_inside[1] = !inside;
  return scan;
}

std::vector<RowRange> resolve_rows(std::span<const BlockScan> scans, std::uint64_t block_size,
                                   std::uint64_t file_size, std::uint64_t data_begin,
                                   std::uint64_t data_line) {
  const std::size_t n = scans.size();
  std::vector<RowRange> ranges(n);
  // Start of each block's first row and its line; block 0's rows start at the data.
  std::uint64_t lines_before_block = 1;  // line number at the block's first byte
  bool inside = false;                   // the data starts outside quotes
  for (std::size_t b = 0; b < n; ++b) {
    const BlockScan& scan = scans[b];
    const int state = inside ? 1 : 0;
    const std::uint64_t block_begin = b * block_size;
    if (b == 0) {
      ranges[0].begin = data_begin;
      ranges[0].line = data_line;
    } else if (scan.first_row[state] == kNoRow) {
      ranges[b].begin = kNoRow;  // filled in below: empty, at the next block's first row
    } else {
      ranges[b].begin = std::max(block_begin + scan.first_row[state], data_begin);
      ranges[b].line = lines_before_block + scan.newlines_before[state];
    }
    lines_before_block += scan.newlines;
    inside = scan.ends_inside[state];
  }
  // Each range ends where the next non-empty one begins; blocks without a row start are empty.
  std::uint64_t next_begin = file_size, next_line = lines_before_block;
  for (std::size_t b = n; b-- > 0;) {
    if (ranges[b].begin == kNoRow) {
      ranges[b] = {next_begin, next_begin, next_line};
      continue;
    }
    ranges[b].begin = std::min(ranges[b].begin, next_begin);
    ranges[b].end = next_begin;
    next_begin = ranges[b].begin;
    next_line = ranges[b].line;
  }
  return ranges;
}

}  // namespace tessera::dataframe::detail
