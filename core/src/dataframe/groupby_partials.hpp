#pragma once
// The partial aggregates of a groupby and the three steps of its tree: groupby-chunk folds one
// partition's rows into per-group partials, groupby-combine merges partials (in a fixed order),
// groupby-aggregate finishes them into the result table, one row per group sorted by key.

#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "dataframe/frame.hpp"
#include "dataframe/string_codes.hpp"

namespace tessera::dataframe::detail {

enum class How : std::uint8_t { sum, mean, count, min, max, std, var, size };

/// The aggregation called `how`; std::invalid_argument naming it and the ones there are.
How how_of(const std::string& how);
/// Whether it takes numbers only (all but count and size).
inline bool numeric_only(How how) {
  return how != How::count && how != How::size;
}

// What a value column keeps per group: only the arrays its aggregations finish from.
struct Needs {
  bool count = false;       // count, mean, std, var, min and max (an empty group has none)
  bool int_sum = false;     // sum of an int64 column: exact, wrapping as NumPy's int64 does
  bool double_sum = false;  // sum of a float64 column, or any column's mean
  bool min_max = false;
  bool moments = false;  // std, var: Welford's mean and M2 per row, Chan's rule between partials
};

// One value column's partials, one entry per group (column-major: a question over 10^5 groups
// touches an array of 8-byte sums, not 100-byte records, and stays in cache).
struct ColumnPartials {
  std::vector<std::int64_t> count;  // values present (when needed)
  std::vector<std::int64_t> isum, imin, imax;
  std::vector<double> sum, min, max, mean, m2;

  void resize(std::size_t groups, const Needs& needs, bool integer) {
    constexpr double inf = std::numeric_limits<double>::infinity();
    if (needs.count || needs.moments) count.resize(groups, 0);
    if (needs.int_sum) isum.resize(groups, 0);
    if (needs.double_sum) sum.resize(groups, 0);
    if (needs.min_max && integer) {
      imin.resize(groups, std::numeric_limits<std::int64_t>::max());
      imax.resize(groups, std::numeric_limits<std::int64_t>::min());
    } else if (needs.min_max) {
      min.resize(groups, inf);
      max.resize(groups, -inf);
    }
    if (needs.moments) {
      mean.resize(groups, 0);
      m2.resize(groups, 0);
    }
  }
  std::size_t nbytes() const {
    return 8 * (count.size() + isum.size() + imin.size() + imax.size() + sum.size() + min.size() +
                max.size() + mean.size() + m2.size());
  }
};

// Per-group partials of one partition or subtree. Groups are named by their encoded key
// (key columns' bytes one after another), numbered in order of first appearance.
struct Partials {
  StringCodes keys;  // group number = the key's code
  /// One int64 key of a range about the rows' size: group g is the key dense_offset + g, no
  /// table at all (groups that no row reached have size 0), and partials over overlapping ranges
  /// merge by index.
  bool dense = false;
  std::int64_t dense_offset = 0;
  std::vector<std::int64_t> sizes;
  std::vector<ColumnPartials> columns;
  std::size_t groups() const { return dense ? sizes.size() : keys.size(); }
  std::size_t nbytes() const {
    std::size_t bytes = keys.size() * 48 + sizes.size() * 8;
    for (const ColumnPartials& c : columns) bytes += c.nbytes();
    return bytes;
  }
};
using PartialsPtr = std::shared_ptr<const Partials>;

// What the tree computes: the key columns, and per value column its type and what it needs.
struct Plan {
  std::vector<std::string> keys;
  std::vector<ColumnType> key_types;
  std::vector<std::string> values;  // distinct value columns read
  std::vector<ColumnType> value_types;
  std::vector<Needs> needs;  // per value column
  struct Output {
    std::string name;
    std::size_t value;  // index into values (unused for size)
    How how;
  };
  std::vector<Output> outputs;
  int ddof = 1;

  /// An output column's type: counts, sizes and the sum, min and max of int64 columns are
  /// int64 (exact), the rest float64 (as pandas gives them).
  ColumnType output_type(const Output& o) const {
    if (o.how == How::count || o.how == How::size) return ColumnType::int64;
    const bool integer_input = value_types[o.value] == ColumnType::int64;
    return integer_input && (o.how == How::sum || o.how == How::min || o.how == How::max)
               ? ColumnType::int64
               : ColumnType::float64;
  }
  /// Every group's arrays, for `groups` groups (new ones empty).
  void resize(Partials& p, std::size_t groups) const {
    p.sizes.resize(groups, 0);
    p.columns.resize(values.size());
    for (std::size_t c = 0; c < values.size(); ++c)
      p.columns[c].resize(groups, needs[c], value_types[c] == ColumnType::int64);
  }
};

/// groupby-chunk: partition `partition` of `frame` read (its task's `inputs`), masked, folded.
Partials chunk(const Frame& frame, const Plan& plan, std::size_t partition,
               std::span<const Value* const> inputs);
/// groupby-combine: the inputs' partials merged, in input order.
Partials combine(std::span<const Value* const> inputs, const Plan& plan);
/// groupby-aggregate: one row per group, sorted by key, missing keys dropped.
Table aggregate(const Partials& p, const Plan& plan);

}  // namespace tessera::dataframe::detail
