// The groupby's partials: keys to group numbers (dense codes where the keys have them, hashed
// encodings otherwise), each value column folded into column-major arrays, merges by Chan's
// rule, and the finished table.
#include "dataframe/groupby_partials.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace tessera::dataframe::detail {

How how_of(const std::string& how) {
  static const std::pair<const char*, How> names[] = {
      {"sum", How::sum}, {"mean", How::mean}, {"count", How::count}, {"min", How::min},
      {"max", How::max}, {"std", How::std},   {"var", How::var},     {"size", How::size}};
  for (const auto& [name, value] : names)
    if (how == name) return value;
  throw std::invalid_argument(
      fmt::format("unknown aggregation '{}' (sum, mean, count, min, max, std, var, size)", how));
}

namespace {

void encode_key(std::string& key, const Column& column, std::size_t row) {
  switch (column.type) {
    case ColumnType::int64:
      key.append(reinterpret_cast<const char*>(&column.int64s[row]), 8);
      break;
    case ColumnType::float64: {
      const double v = column.float64s[row] == 0 ? 0.0 : column.float64s[row];  // -0 joins 0
      key.append(reinterpret_cast<const char*>(&v), 8);
      break;
    }
    case ColumnType::boolean:
      key.push_back(static_cast<char>(column.bools[row]));
      break;
    case ColumnType::string: {
      const std::string& s = (*column.dictionary)[static_cast<std::size_t>(column.codes[row])];
      const auto size = static_cast<std::uint32_t>(s.size());
      key.append(reinterpret_cast<const char*>(&size), 4);
      key.append(s);
      break;
    }
  }
}

// Small-integer codes of a key column, where it has them: dictionary codes (strings), 0/1
// (bools), value - min (int64 of a range not much larger than the rows). A few key columns with
// codes index one dense array of groups, so most rows find their group without hashing.
struct DenseCodes {
  std::int64_t offset = 0, range = 0;  // range 0: none
};

DenseCodes dense_codes(const Column& key, std::size_t rows) {
  switch (key.type) {
    case ColumnType::string:
      return {0, static_cast<std::int64_t>(key.dictionary->size())};
    case ColumnType::boolean:
      return {0, 2};
    case ColumnType::int64: {
      std::int64_t lo = std::numeric_limits<std::int64_t>::max(),
                   hi = std::numeric_limits<std::int64_t>::min();
      for (std::size_t i = 0; i < key.int64s.size(); ++i)
        if (key.is_valid(i)) {
          lo = std::min(lo, key.int64s[i]);
          hi = std::max(hi, key.int64s[i]);
        }
      if (lo > hi) return {0, 1};
      const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
      if (span >= 4 * rows + 1024) return {};
      return {lo, static_cast<std::int64_t>(span) + 1};
    }
    default:
      return {};
  }
}

std::int64_t dense_code(const Column& key, std::size_t row, std::int64_t offset) {
  switch (key.type) {
    case ColumnType::string:
      return key.codes[row];
    case ColumnType::boolean:
      return key.bools[row];
    default:
      return key.int64s[row] - offset;
  }
}

// Folds one value column's rows into its partials: row i goes to group gid[i] (< 0: none).
template <class T>
void fold(const std::vector<T>& x, const Column& column, const std::vector<std::int32_t>& gid,
          const Needs& needs, ColumnPartials& p) {
  const std::size_t n = gid.size();
  auto valid = [&](std::size_t i) {
    if constexpr (std::is_same_v<T, double>)
      return !std::isnan(x[i]);
    else
      return column.valid.empty() || column.valid[i] != 0;
  };
  // One loop per array: each is a tight pass over the rows, as pandas' kernels are.
  if (needs.moments) {  // Welford: needs the count so far, so it runs first
    for (std::size_t i = 0; i < n; ++i) {
      const std::int32_t g = gid[i];
      if (g < 0 || !valid(i)) continue;
      const double v = static_cast<double>(x[i]);
      const double seen = static_cast<double>(++p.count[g]);
      const double delta = v - p.mean[g];
      p.mean[g] += delta / seen;
      p.m2[g] += delta * (v - p.mean[g]);
    }
  } else if (needs.count) {
    for (std::size_t i = 0; i < n; ++i)
      if (gid[i] >= 0 && valid(i)) ++p.count[gid[i]];
  }
  if (needs.double_sum)
    for (std::size_t i = 0; i < n; ++i)
      if (gid[i] >= 0 && valid(i)) p.sum[gid[i]] += static_cast<double>(x[i]);
  if constexpr (std::is_same_v<T, std::int64_t>) {
    if (needs.int_sum)
      for (std::size_t i = 0; i < n; ++i)
        if (gid[i] >= 0 && valid(i))
          p.isum[gid[i]] = static_cast<std::int64_t>(static_cast<std::uint64_t>(p.isum[gid[i]]) +
                                                     static_cast<std::uint64_t>(x[i]));
    if (needs.min_max)
      for (std::size_t i = 0; i < n; ++i)
        if (gid[i] >= 0 && valid(i)) {
          p.imin[gid[i]] = std::min(p.imin[gid[i]], x[i]);
          p.imax[gid[i]] = std::max(p.imax[gid[i]], x[i]);
        }
  } else {
    if (needs.min_max)
      for (std::size_t i = 0; i < n; ++i)
        if (gid[i] >= 0 && valid(i)) {
          p.min[gid[i]] = std::min(p.min[gid[i]], x[i]);
          p.max[gid[i]] = std::max(p.max[gid[i]], x[i]);
        }
  }
}

// Merges group h of `b` into group g of `a`. Chan et al.'s pairwise rule for the moments, so any
// tree of partials gives the moments of the whole.
void merge(ColumnPartials& a, std::size_t g, const ColumnPartials& b, std::size_t h) {
  if (!b.count.empty() && b.count[h] == 0) return;
  if (!a.mean.empty()) {
    if (a.count[g] == 0) {
      // Into an empty group: b's moments as they are (Chan's formula would give mean * n / n,
      // which need not round back to the mean).
      a.mean[g] = b.mean[h];
      a.m2[g] = b.m2[h];
    } else {
      const double na = static_cast<double>(a.count[g]), nb = static_cast<double>(b.count[h]);
      const double n = na + nb, delta = b.mean[h] - a.mean[g];
      a.mean[g] += delta * nb / n;
      a.m2[g] += b.m2[h] + delta * delta * na * nb / n;
    }
  }
  if (!a.count.empty()) a.count[g] += b.count[h];
  if (!a.isum.empty())
    a.isum[g] = static_cast<std::int64_t>(static_cast<std::uint64_t>(a.isum[g]) +
                                          static_cast<std::uint64_t>(b.isum[h]));
  if (!a.sum.empty()) a.sum[g] += b.sum[h];
  if (!a.imin.empty()) {
    a.imin[g] = std::min(a.imin[g], b.imin[h]);
    a.imax[g] = std::max(a.imax[g], b.imax[h]);
  }
  if (!a.min.empty()) {
    a.min[g] = std::min(a.min[g], b.min[h]);
    a.max[g] = std::max(a.max[g], b.max[h]);
  }
}

// Decodes key column `k` of an encoded key; `at` walks the key's bytes.
void decode_key(std::string_view key, std::size_t& at, ColumnType type, Column& out,
                std::vector<std::string>& strings) {
  switch (type) {
    case ColumnType::int64:
      std::memcpy(&out.int64s.emplace_back(), key.data() + at, 8);
      at += 8;
      break;
    case ColumnType::float64:
      std::memcpy(&out.float64s.emplace_back(), key.data() + at, 8);
      at += 8;
      break;
    case ColumnType::boolean:
      out.bools.push_back(static_cast<std::uint8_t>(key[at++]));
      break;
    case ColumnType::string: {
      std::uint32_t size;
      std::memcpy(&size, key.data() + at, 4);
      strings.emplace_back(key.substr(at + 4, size));
      at += 4 + size;
      break;
    }
  }
}

}  // namespace

// groupby-chunk: one partition's rows (read, masked) folded into partials.
Partials chunk(const Frame& frame, const Plan& plan, std::size_t partition,
               std::span<const Value* const> inputs) {
  std::vector<std::string> names = plan.keys;
  for (const std::string& v : plan.values)
    if (std::find(names.begin(), names.end(), v) == names.end()) names.push_back(v);
  if (frame.mask) columns_read(*frame.mask, names);
  const TablePtr loaded = load_partition(frame, partition, names, inputs);
  const Table& rows = *loaded;
  std::vector<std::uint8_t> keep;
  if (frame.mask) keep = evaluate(*frame.mask, rows).bools;
  std::vector<const Column*> keys, values;
  for (const std::string& k : plan.keys) keys.push_back(&rows.at(k));
  for (const std::string& v : plan.values) values.push_back(&rows.at(v));

  Partials p;
  const std::size_t n = rows.num_rows();
  // Dense indexing when every key column has codes and their product stays small.
  std::vector<DenseCodes> dense;
  std::uint64_t slots = 1;
  for (const Column* k : keys) {
    dense.push_back(dense_codes(*k, n));
    slots = dense.back().range == 0 ? 0 : slots * static_cast<std::uint64_t>(dense.back().range);
    if (slots > 4 * n + 1024) slots = 0;
  }
  std::vector<std::int32_t> group_of_slot(slots, -1);
  std::string key;
  auto encoded_group = [&](std::size_t i) -> std::int32_t {
    key.clear();
    for (const Column* k : keys) {
      if (!k->is_valid(i)) return -1;  // dropped, as pandas' dropna=True does
      encode_key(key, *k, i);
    }
    return p.keys.code_of(key);
  };
  // 1. Each row's group (-1: masked out or a missing key).
  std::vector<std::int32_t> gid(n, -1);
  auto slot_group = [&](std::size_t i, std::uint64_t slot) {
    std::int32_t& g = group_of_slot[slot];
    if (g < 0) g = encoded_group(i);
    gid[i] = g;
  };
  if (slots && keys.size() == 1 && keys[0]->type == ColumnType::int64 &&
      static_cast<std::uint64_t>(dense[0].range) <= n + 1024) {
    // One int64 key of a range about the rows' size: the group is the key minus the smallest,
    // with no table (and partials that merge by index).
    const Column& k = *keys[0];
    p.dense = true;
    p.dense_offset = dense[0].offset;
    for (std::size_t i = 0; i < n; ++i)
      if ((!frame.mask || keep[i]) && k.is_valid(i))
        gid[i] = static_cast<std::int32_t>(k.int64s[i] - p.dense_offset);
  } else if (slots && keys.size() == 1) {
    // One key with codes (the common case): the row's code is its slot, read by type once.
    const Column& k = *keys[0];
    auto each_row = [&](auto code) {
      for (std::size_t i = 0; i < n; ++i)
        if ((!frame.mask || keep[i]) && k.is_valid(i)) slot_group(i, code(i));
    };
    if (k.type == ColumnType::string)
      each_row([&](std::size_t i) { return static_cast<std::uint64_t>(k.codes[i]); });
    else if (k.type == ColumnType::boolean)
      each_row([&](std::size_t i) { return static_cast<std::uint64_t>(k.bools[i]); });
    else
      each_row([&, offset = dense[0].offset](std::size_t i) {
        return static_cast<std::uint64_t>(k.int64s[i] - offset);
      });
  } else {
    for (std::size_t i = 0; i < n; ++i) {
      if (frame.mask && !keep[i]) continue;
      if (!slots) {
        gid[i] = encoded_group(i);
        continue;
      }
      std::uint64_t slot = 0;
      bool missing = false;
      for (std::size_t k = 0; k < keys.size(); ++k) {
        missing = missing || !keys[k]->is_valid(i);
        slot = slot * static_cast<std::uint64_t>(dense[k].range) +
               static_cast<std::uint64_t>(missing ? 0 : dense_code(*keys[k], i, dense[k].offset));
      }
      if (!missing) slot_group(i, slot);
    }
  }
  // 2. Each value column folded into its groups' arrays.
  plan.resize(p, p.dense ? static_cast<std::size_t>(dense[0].range) : p.keys.size());
  for (std::size_t i = 0; i < n; ++i)
    if (gid[i] >= 0) ++p.sizes[gid[i]];
  for (std::size_t c = 0; c < values.size(); ++c) {
    const Column& v = *values[c];
    if (v.type == ColumnType::int64)
      fold(v.int64s, v, gid, plan.needs[c], p.columns[c]);
    else if (v.type == ColumnType::float64)
      fold(v.float64s, v, gid, plan.needs[c], p.columns[c]);
    else  // counted only
      for (std::size_t i = 0; i < n; ++i)
        if (gid[i] >= 0 && v.is_valid(i)) ++p.columns[c].count[gid[i]];
  }
  return p;
}

namespace {

// Calls f(encoded key, group) for every group of `p` that rows reached.
template <class F>
void for_each_group(const Partials& p, F&& f) {
  if (!p.dense) {
    for (std::size_t h = 0; h < p.keys.size(); ++h) f(p.keys.at(h), h);
    return;
  }
  std::string key;
  for (std::size_t h = 0; h < p.sizes.size(); ++h) {
    if (p.sizes[h] == 0) continue;
    const std::int64_t value = p.dense_offset + static_cast<std::int64_t>(h);
    key.assign(reinterpret_cast<const char*>(&value), 8);  // encode_key's int64 form
    f(std::string_view(key), h);
  }
}

// Merges every group of `next` into `total`, group h into into[h], in group order.
void merge_all(Partials& total, const Partials& next, const std::vector<std::size_t>& into,
               const std::vector<std::size_t>& from, const Plan& plan) {
  for (std::size_t j = 0; j < into.size(); ++j) total.sizes[into[j]] += next.sizes[from[j]];
  for (std::size_t c = 0; c < plan.values.size(); ++c)
    for (std::size_t j = 0; j < into.size(); ++j)
      merge(total.columns[c], into[j], next.columns[c], from[j]);
}

}  // namespace

// groupby-combine: partials of several subtrees merged, in input order. Dense partials whose
// ranges together stay about their groups' number merge by index; any others through the table
// of encoded keys.
Partials combine(std::span<const Value* const> inputs, const Plan& plan) {
  std::vector<const Partials*> parts;
  for (const Value* input : inputs) parts.push_back(input->get<PartialsPtr>().get());
  Partials total;
  std::vector<std::size_t> into, from;
  bool dense = true;
  std::int64_t lo = std::numeric_limits<std::int64_t>::max(), hi = lo;
  std::size_t groups = 0;
  for (const Partials* p : parts) {
    dense = dense && p->dense;
    if (!p->dense) break;
    const std::int64_t end = p->dense_offset + static_cast<std::int64_t>(p->sizes.size());
    hi = lo == std::numeric_limits<std::int64_t>::max() ? end : std::max(hi, end);
    lo = std::min(lo, p->dense_offset);
    groups += p->sizes.size();
  }
  if (dense && static_cast<std::uint64_t>(hi - lo) <= 2 * groups + 1024) {
    total.dense = true;
    total.dense_offset = lo;
    plan.resize(total, static_cast<std::size_t>(hi - lo));
    for (const Partials* p : parts) {
      into.clear();
      from.clear();
      for (std::size_t h = 0; h < p->sizes.size(); ++h)
        if (p->sizes[h] != 0) {
          into.push_back(h + static_cast<std::size_t>(p->dense_offset - lo));
          from.push_back(h);
        }
      merge_all(total, *p, into, from, plan);
    }
    return total;
  }
  for (const Partials* p : parts) {
    into.clear();
    from.clear();
    total.keys.reserve(total.keys.size() + p->groups());
    for_each_group(*p, [&](std::string_view key, std::size_t h) {
      into.push_back(static_cast<std::size_t>(total.keys.code_of(key)));
      from.push_back(h);
    });
    plan.resize(total, total.keys.size());
    merge_all(total, *p, into, from, plan);
  }
  return total;
}

// groupby-aggregate: the merged partials finished into one row per group, sorted by key.
Table aggregate(const Partials& p, const Plan& plan) {
  const std::size_t groups = p.groups();
  // Key columns, decoded, then the groups' order by their typed values.
  std::vector<Column> keys(plan.keys.size());
  std::vector<std::vector<std::string>> strings(plan.keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) keys[k].type = plan.key_types[k];
  std::vector<std::size_t> order;
  if (p.dense) {  // keys in order already: the groups rows reached
    for (std::size_t g = 0; g < groups; ++g) {
      keys[0].int64s.push_back(p.dense_offset + static_cast<std::int64_t>(g));
      if (p.sizes[g] != 0) order.push_back(g);
    }
  }
  for (std::size_t group = 0; group < groups && !p.dense; ++group) {
    const std::string_view key = p.keys.at(group);
    std::size_t at = 0;
    for (std::size_t k = 0; k < keys.size(); ++k)
      decode_key(key, at, plan.key_types[k], keys[k], strings[k]);
  }
  if (!p.dense) {
    order.resize(groups);
    std::iota(order.begin(), order.end(), 0);
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    for (std::size_t k = 0; k < keys.size(); ++k) {
      const Column& c = keys[k];
      int cmp = 0;
      switch (c.type) {
        case ColumnType::int64:
          cmp = (c.int64s[a] > c.int64s[b]) - (c.int64s[a] < c.int64s[b]);
          break;
        case ColumnType::float64:
          cmp = (c.float64s[a] > c.float64s[b]) - (c.float64s[a] < c.float64s[b]);
          break;
        case ColumnType::boolean:
          cmp = c.bools[a] - c.bools[b];
          break;
        case ColumnType::string:
          cmp = strings[k][a].compare(strings[k][b]);
          break;
      }
      if (cmp != 0) return cmp < 0;
    }
    return false;
  });

  std::vector<std::string> names;
  std::vector<Column> out;
  for (std::size_t k = 0; k < keys.size(); ++k) {
    Column sorted;
    sorted.type = keys[k].type;
    for (std::size_t g : order) {
      switch (sorted.type) {
        case ColumnType::int64:
          sorted.int64s.push_back(keys[k].int64s[g]);
          break;
        case ColumnType::float64:
          sorted.float64s.push_back(keys[k].float64s[g]);
          break;
        case ColumnType::boolean:
          sorted.bools.push_back(keys[k].bools[g]);
          break;
        case ColumnType::string:
          sorted.codes.push_back(static_cast<std::int32_t>(sorted.codes.size()));
          break;
      }
    }
    if (sorted.type == ColumnType::string) {
      // Codes in sorted order: the dictionary is the keys as sorted (repeats possible when
      // several key columns are strings; each row keeps its own entry).
      auto dictionary = std::make_shared<std::vector<std::string>>();
      for (std::size_t g : order) dictionary->push_back(strings[k][g]);
      sorted.dictionary = std::move(dictionary);
    }
    names.push_back(plan.keys[k]);
    out.push_back(std::move(sorted));
  }

  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  for (const Plan::Output& o : plan.outputs) {
    Column col;
    col.type = plan.output_type(o);
    const bool integer_result = col.type == ColumnType::int64;
    for (std::size_t g : order) {
      if (o.how == How::size) {
        col.int64s.push_back(p.sizes[g]);
        continue;
      }
      const ColumnPartials& s = p.columns[o.value];
      const std::int64_t count = s.count.empty() ? 0 : s.count[g];
      const double n = static_cast<double>(count);
      switch (o.how) {
        case How::count:
          col.int64s.push_back(count);
          break;
        case How::sum:
          if (integer_result)
            col.int64s.push_back(s.isum[g]);
          else
            col.float64s.push_back(s.sum[g]);
          break;
        case How::mean:
          col.float64s.push_back(count ? s.sum[g] / n : nan);
          break;
        case How::min:
        case How::max: {
          const bool is_min = o.how == How::min;
          if (integer_result) {
            // A group with no value has no minimum: missing, as pandas' nullable ints show it.
            if (count == 0 && col.valid.empty()) col.valid.assign(col.int64s.size(), 1);
            if (!col.valid.empty()) col.valid.push_back(count != 0);
            col.int64s.push_back(count ? (is_min ? s.imin[g] : s.imax[g]) : 0);
          } else {
            col.float64s.push_back(count ? (is_min ? s.min[g] : s.max[g]) : nan);
          }
          break;
        }
        default: {  // std, var: divisor n - ddof; pandas gives NaN where n <= ddof
          const double dof = n - plan.ddof;
          const double var = dof > 0 ? s.m2[g] / dof : nan;
          col.float64s.push_back(o.how == How::std ? std::sqrt(var) : var);
        }
      }
    }
    names.push_back(o.name);
    out.push_back(std::move(col));
  }
  return Table(std::move(names), std::move(out), plan.keys.size());
}

}  // namespace tessera::dataframe::detail
