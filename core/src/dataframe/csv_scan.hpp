#pragma once
// Quote-safe CSV blocks (cuDF's approach, PR #5024). A file is cut into fixed-size blocks that
// are scanned in parallel without knowing whether a block starts inside a quoted field: the scan
// records where the first row starts and the state at the end for both possible start states.
// A short serial step then follows the true state from the file's start, so a block boundary
// inside a quoted field (holding the separator or a line break) never splits a row, whatever the
// block size. Dask cuts at the next newline byte and breaks such rows (dask#1284, #8045).

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

namespace tessera::dataframe::detail {

inline constexpr std::uint64_t kNoRow = ~std::uint64_t{0};

/// What one block says under each start state: [0] outside quotes, [1] inside a quoted field.
struct BlockScan {
  /// Offset in the block just past its first row end ('\n' outside quotes): where the first
  /// row that begins in this block starts. kNoRow: no row ends in the block.
  std::uint64_t first_row[2] = {kNoRow, kNoRow};
  /// Line breaks before first_row, the one ending the row before it included (for the physical
  /// line numbers of error messages).
  std::uint64_t newlines_before[2] = {0, 0};
  /// Whether the block ends inside a quoted field.
  bool ends_inside[2] = {false, true};
  /// Every '\n' byte in the block, quoted or not.
  std::uint64_t newlines = 0;
};

/// Scans one block. A doubled quote inside a quoted field ("") toggles the state twice, so it
/// needs no special case.
BlockScan scan_block(std::string_view bytes, char quote);

/// Where the rows of one partition lie in the file: those that begin in its block.
struct RowRange {
  std::uint64_t begin = 0, end = 0;  ///< byte offsets; begin at a row start outside quotes
  std::uint64_t line = 1;            ///< physical line number (1-based) of the byte at `begin`
};

/// The serial step: follows the quote state from the file's start (outside quotes) through the
/// blocks' scans and gives each block's rows. `block_size` is the size of every block but the
/// last; `data_begin` is where the data starts (past the header), inside block 0. A block in
/// which no row begins (a quoted field longer than a block) gets an empty range. The file's last
/// row may lack its line break.
std::vector<RowRange> resolve_rows(std::span<const BlockScan> scans, std::uint64_t block_size,
                                   std::uint64_t file_size, std::uint64_t data_begin,
                                   std::uint64_t data_line);

}  // namespace tessera::dataframe::detail
