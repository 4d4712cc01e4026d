#pragma once
// Generated CSV files for tests and benchmarks, as dask.datasets makes its demo frames: the same
// bytes from the same seed on every run and machine, so a benchmark's input is named by its
// options.

#include <cstdint>
#include <string>

namespace tessera::dataframe::datasets {

/// The H2O db-benchmark groupby table (duckdblabs/db-benchmark, _data/groupby-datagen.R), the
/// common yardstick of data frame libraries. Header `id1,id2,id3,id4,id5,id6,v1,v2,v3`, then
/// `rows` lines, each value drawn uniformly and independently, with K = `groups` and
/// N/K = max(1, rows / groups):
///   id1, id2  "id%03d" of 1..K (few groups)        id4, id5  integer 1..K
///   id3       "id%010d" of 1..N/K (many groups)    id6       integer 1..N/K
///   v1        integer 1..5                          v2        integer 1..15
///   v3        float in [0, 100) to 6 decimals, printed as %.6f
struct GroupbyOptions {
  std::int64_t rows = 10'000'000;
  std::int64_t groups = 100;
  /// The probability that a field is empty (missing), each field independently: H2O's NA
  /// variant uses 0.05. The values that stay are those of the same seed with `missing` 0.
  double missing = 0.0;
  std::uint64_t seed = 0;
};

/// Writes the groupby table to `path` (replacing it). Throws std::invalid_argument naming the
/// value when rows < 0, groups < 1 or `missing` is outside [0, 1), and std::runtime_error naming
/// the path and the system's reason when the file cannot be written.
void write_groupby_csv(const std::string& path, const GroupbyOptions& options);

/// The shape of the Dask tutorial's frame (`df[df.column > 10].groupby("category").mean()`).
/// Header `id,column,category,value`, then `rows` lines: id the row number 0..rows-1, column an
/// integer 0..19, category "cat" followed by an integer 0..categories-1 ("cat3"), value a float
/// in [0, 1) printed as %.6f; all but id drawn uniformly and independently.
struct TutorialOptions {
  std::int64_t rows = 1'000'000;
  std::int64_t categories = 10;
  std::uint64_t seed = 0;
};

/// Writes the tutorial table to `path` (replacing it). Throws std::invalid_argument naming the
/// value when rows < 0 or categories < 1, and std::runtime_error naming the path and the system's
/// reason when the file cannot be written.
void write_tutorial_csv(const std::string& path, const TutorialOptions& options);

}  // namespace tessera::dataframe::datasets
