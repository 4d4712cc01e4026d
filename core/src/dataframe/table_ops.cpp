// Operations on a computed table: sort_values.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string_view>

#include "tessera/dataframe/table.hpp"

namespace tessera::dataframe {
namespace {

// Rows of `column` in the order `rows` gives.
Column gather(const Column& column, const std::vector<std::size_t>& rows) {
  Column out;
  out.type = column.type;
  out.dictionary = column.dictionary;
  auto pick = [&](const auto& from, auto& to) {
    if (from.empty()) return;  // not the vector this column's type uses
    to.reserve(rows.size());
    for (std::size_t r : rows) to.push_back(from[r]);
  };
  pick(column.int64s, out.int64s);
  pick(column.float64s, out.float64s);
  pick(column.bools, out.bools);
  pick(column.codes, out.codes);
  pick(column.valid, out.valid);
  return out;
}

// One sort key: compares two rows' values (both present) as -1, 0 or 1.
struct SortKey {
  const Column* column;
  std::vector<std::int32_t> rank;  // string columns: each dictionary entry's bytewise rank

  int compare(std::size_t a, std::size_t b) const {
    switch (column->type) {
      case ColumnType::int64: {
        const std::int64_t x = column->int64s[a], y = column->int64s[b];
        return (x > y) - (x < y);
      }
      case ColumnType::float64: {
        const double x = column->float64s[a], y = column->float64s[b];
        return (x > y) - (x < y);
      }
      case ColumnType::boolean:
        return column->bools[a] - column->bools[b];
      case ColumnType::string: {
        const std::int32_t x = rank[static_cast<std::size_t>(column->codes[a])],
                           y = rank[static_cast<std::size_t>(column->codes[b])];
        return (x > y) - (x < y);
      }
    }
    return 0;
  }
};

}  // namespace

Table Table::sort_values(const std::vector<std::string>& by, bool ascending) const {
  if (by.empty())
    throw std::invalid_argument(fmt::format("sort_values needs at least one column (columns: {})",
                                            fmt::join(names_, ", ")));
  std::vector<SortKey> keys;
  for (const std::string& name : by) {
    SortKey key{&at(name), {}};  // at() names an unknown column
    if (key.column->type == ColumnType::string) {
      // Rank the dictionary once, so rows compare by integer (equal strings get equal ranks:
      // a dictionary may repeat a value).
      const std::vector<std::string>& dictionary = *key.column->dictionary;
      std::vector<std::int32_t> order(dictionary.size());
      std::iota(order.begin(), order.end(), 0);
      std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
        return std::string_view(dictionary[a]) < std::string_view(dictionary[b]);
      });
      key.rank.resize(dictionary.size());
      std::int32_t rank = 0;
      for (std::size_t k = 0; k < order.size(); ++k) {
        if (k > 0 && dictionary[order[k]] != dictionary[order[k - 1]]) ++rank;
        key.rank[order[k]] = rank;
      }
    }
    keys.push_back(std::move(key));
  }
  std::vector<std::size_t> rows(num_rows());
  std::iota(rows.begin(), rows.end(), 0);
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    for (const SortKey& key : keys) {
      const bool va = key.column->is_valid(a), vb = key.column->is_valid(b);
      if (!va || !vb) {
        if (va != vb) return va;  // missing last, in either direction
        continue;
      }
      const int cmp = key.compare(a, b);
      if (cmp != 0) return ascending ? cmp < 0 : cmp > 0;
    }
    return false;
  });
  std::vector<Column> columns;
  columns.reserve(columns_.size());
  for (const Column& column : columns_) columns.push_back(gather(column, rows));
  return Table(names_, std::move(columns), index_columns_);
}

}  // namespace tessera::dataframe
