// groupby aggregations as a tree: per partition a fused task reads, masks and folds its rows
// into per-group partials (groupby-chunk); partials merge split_every at a time
// (groupby-combine); the root finishes them into the result table (groupby-aggregate).
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <unordered_map>

#include "dataframe/frame.hpp"

namespace tessera::dataframe {
namespace detail {
namespace {

enum class How : std::uint8_t { sum, mean, count, min, max, std, var, size };

How how_of(const std::string& how) {
  static const std::pair<const char*, How> names[] = {
      {"sum", How::sum}, {"mean", How::mean}, {"count", How::count}, {"min", How::min},
      {"max", How::max}, {"std", How::std},   {"var", How::var},     {"size", How::size}};
  for (const auto& [name, value] : names)
    if (how == name) return value;
  throw std::invalid_argument(
      fmt::format("unknown aggregation '{}' (sum, mean, count, min, max, std, var, size)", how));
}

bool numeric_only(How how) {
  return how != How::count && how != How::size;
}

// One value column's partial over one group: what every aggregation finishes from.
struct Stats {
  std::int64_t count = 0;  // values present
  double sum = 0;          // float64 columns
  std::int64_t isum = 0;   // int64 columns: exact, wrapping as NumPy's int64 does
  double min = std::numeric_limits<double>::infinity();
  double max = -std::numeric_limits<double>::infinity();
  std::int64_t imin = std::numeric_limits<std::int64_t>::max();
  std::int64_t imax = std::numeric_limits<std::int64_t>::min();
  double mean = 0, m2 = 0;  // Welford per row, Chan between partials
};

// Per-group partials of one partition or subtree. Groups are named by their encoded key
// (key columns' bytes one after another), in order of first appearance.
struct Partials {
  std::vector<std::string> keys;
  std::vector<std::int64_t> sizes;
  std::vector<Stats> stats;  // group-major: stats[group * columns + column]
  std::size_t nbytes() const {
    return keys.size() * 32 + sizes.size() * 8 + stats.size() * sizeof(Stats);
  }
};
using PartialsPtr = std::shared_ptr<const Partials>;

// What the tree computes: the key columns, and per value column its type and what it needs.
struct Plan {
  std::vector<std::string> keys;
  std::vector<ColumnType> key_types;
  std::vector<std::string> values;  // distinct value columns read
  std::vector<ColumnType> value_types;
  bool moments = false;  // std or var asked for: keep Welford's mean and M2
  struct Output {
    std::string name;
    std::size_t value;  // index into values (unused for size)
    How how;
  };
  std::vector<Output> outputs;
  int ddof = 1;
};

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

struct KeyHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const noexcept {
    return std::hash<std::string_view>{}(s);
  }
};
using GroupIndex = std::unordered_map<std::string, std::uint32_t, KeyHash, std::equal_to<>>;

std::uint32_t group_of(Partials& p, GroupIndex& index, std::string_view key, std::size_t columns) {
  const auto found = index.find(key);
  if (found != index.end()) return found->second;
  const auto g = static_cast<std::uint32_t>(p.keys.size());
  index.emplace(std::string(key), g);
  p.keys.emplace_back(key);
  p.sizes.push_back(0);
  p.stats.resize(p.stats.size() + columns);
  return g;
}

void add(Stats& s, double x, bool moments) {
  ++s.count;
  s.sum += x;
  s.min = std::min(s.min, x);
  s.max = std::max(s.max, x);
  if (moments) {
    const double delta = x - s.mean;
    s.mean += delta / static_cast<double>(s.count);
    s.m2 += delta * (x - s.mean);
  }
}

void add_int(Stats& s, std::int64_t x, bool moments) {
  add(s, static_cast<double>(x), moments);
  s.isum =
      static_cast<std::int64_t>(static_cast<std::uint64_t>(s.isum) + static_cast<std::uint64_t>(x));
  s.imin = std::min(s.imin, x);
  s.imax = std::max(s.imax, x);
}

// Chan et al.'s pairwise combination, so any tree of partials gives the moments of the whole.
void merge(Stats& a, const Stats& b) {
  if (b.count == 0) return;
  const double na = static_cast<double>(a.count), nb = static_cast<double>(b.count), n = na + nb;
  const double delta = b.mean - a.mean;
  a.mean += delta * nb / n;
  a.m2 += b.m2 + delta * delta * na * nb / n;
  a.count += b.count;
  a.sum += b.sum;
  a.isum = static_cast<std::int64_t>(static_cast<std::uint64_t>(a.isum) +
                                     static_cast<std::uint64_t>(b.isum));
  a.min = std::min(a.min, b.min);
  a.max = std::max(a.max, b.max);
  a.imin = std::min(a.imin, b.imin);
  a.imax = std::max(a.imax, b.imax);
}

// groupby-chunk: one partition's rows (read, masked) folded into partials.
Partials chunk(const Frame& frame, const Plan& plan, std::size_t partition, const Table* input) {
  std::vector<std::string> names = plan.keys;
  for (const std::string& v : plan.values)
    if (std::find(names.begin(), names.end(), v) == names.end()) names.push_back(v);
  if (frame.mask) columns_read(*frame.mask, names);
  const Table rows = load_partition(frame, partition, names, input);
  std::vector<std::uint8_t> keep;
  if (frame.mask) keep = evaluate(*frame.mask, rows).bools;
  std::vector<const Column*> keys, values;
  for (const std::string& k : plan.keys) keys.push_back(&rows.at(k));
  for (const std::string& v : plan.values) values.push_back(&rows.at(v));

  Partials p;
  GroupIndex index;
  const std::size_t columns = values.size();
  std::string key;
  for (std::size_t i = 0, n = rows.num_rows(); i < n; ++i) {
    if (frame.mask && !keep[i]) continue;
    key.clear();
    bool missing_key = false;
    for (const Column* k : keys) {
      if (!k->is_valid(i))
        missing_key = true;  // dropped, as pandas' dropna=True does
      else
        encode_key(key, *k, i);
    }
    if (missing_key) continue;
    const std::uint32_t g = group_of(p, index, key, columns);
    ++p.sizes[g];
    for (std::size_t c = 0; c < columns; ++c) {
      const Column& v = *values[c];
      if (!v.is_valid(i)) continue;
      Stats& s = p.stats[g * columns + c];
      if (v.type == ColumnType::int64)
        add_int(s, v.int64s[i], plan.moments);
      else if (v.type == ColumnType::float64)
        add(s, v.float64s[i], plan.moments);
      else
        ++s.count;  // counted only
    }
  }
  return p;
}

// groupby-combine: partials of several subtrees merged, in input order.
Partials combine(std::span<const Value* const> inputs, std::size_t columns) {
  Partials total = *inputs[0]->get<PartialsPtr>();
  GroupIndex index;
  for (std::uint32_t g = 0; g < total.keys.size(); ++g) index.emplace(total.keys[g], g);
  for (std::size_t k = 1; k < inputs.size(); ++k) {
    const Partials& next = *inputs[k]->get<PartialsPtr>();
    for (std::size_t h = 0; h < next.keys.size(); ++h) {
      const std::uint32_t g = group_of(total, index, next.keys[h], columns);
      total.sizes[g] += next.sizes[h];
      for (std::size_t c = 0; c < columns; ++c)
        merge(total.stats[g * columns + c], next.stats[h * columns + c]);
    }
  }
  return total;
}

// Decodes key column `k` of an encoded key; `at` walks the key's bytes.
void decode_key(const std::string& key, std::size_t& at, ColumnType type, Column& out,
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
      strings.push_back(key.substr(at + 4, size));
      at += 4 + size;
      break;
    }
  }
}

// groupby-aggregate: the merged partials finished into one row per group, sorted by key.
Table aggregate(const Partials& p, const Plan& plan) {
  const std::size_t groups = p.keys.size(), columns = plan.values.size();
  // Key columns, decoded, then the groups' order by their typed values.
  std::vector<Column> keys(plan.keys.size());
  std::vector<std::vector<std::string>> strings(plan.keys.size());
  for (std::size_t k = 0; k < keys.size(); ++k) keys[k].type = plan.key_types[k];
  for (const std::string& key : p.keys) {
    std::size_t at = 0;
    for (std::size_t k = 0; k < keys.size(); ++k)
      decode_key(key, at, plan.key_types[k], keys[k], strings[k]);
  }
  std::vector<std::size_t> order(groups);
  std::iota(order.begin(), order.end(), 0);
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
    const ColumnType in = o.how == How::size ? ColumnType::int64 : plan.value_types[o.value];
    const bool integer_result =
        o.how == How::count || o.how == How::size ||
        (in == ColumnType::int64 && (o.how == How::sum || o.how == How::min || o.how == How::max));
    col.type = integer_result ? ColumnType::int64 : ColumnType::float64;
    for (std::size_t g : order) {
      if (o.how == How::size) {
        col.int64s.push_back(p.sizes[g]);
        continue;
      }
      const Stats& s = p.stats[g * columns + o.value];
      const double n = static_cast<double>(s.count);
      switch (o.how) {
        case How::count:
          col.int64s.push_back(s.count);
          break;
        case How::sum:
          if (integer_result)
            col.int64s.push_back(s.isum);
          else
            col.float64s.push_back(s.sum);
          break;
        case How::mean:
          col.float64s.push_back(s.count ? s.sum / n : nan);
          break;
        case How::min:
        case How::max: {
          const bool is_min = o.how == How::min;
          if (integer_result) {
            // A group with no value has no minimum: missing, as pandas' nullable ints show it.
            if (s.count == 0 && col.valid.empty()) col.valid.assign(col.int64s.size(), 1);
            if (!col.valid.empty()) col.valid.push_back(s.count != 0);
            col.int64s.push_back(s.count ? (is_min ? s.imin : s.imax) : 0);
          } else {
            col.float64s.push_back(s.count ? (is_min ? s.min : s.max) : nan);
          }
          break;
        }
        default: {  // std, var: NumPy's max(n - ddof, 0) divisor; pandas gives NaN at n <= ddof
          const double dof = n - plan.ddof;
          const double var = dof > 0 ? s.m2 / dof : nan;
          col.float64s.push_back(o.how == How::std ? std::sqrt(var) : var);
        }
      }
    }
    names.push_back(o.name);
    out.push_back(std::move(col));
  }
  return Table(std::move(names), std::move(out), plan.keys.size());
}

}  // namespace
}  // namespace detail

using namespace detail;

GroupBy::GroupBy(std::shared_ptr<const detail::Frame> frame, std::vector<std::string> keys)
    : frame_(std::move(frame)), keys_(std::move(keys)) {
  if (keys_.empty()) throw std::invalid_argument("groupby needs at least one key column");
  for (const std::string& key : keys_) frame_->schema.position(key);  // names a missing one
}

GroupBy DataFrame::groupby(const std::string& key) const {
  return GroupBy(frame_, {key});
}
GroupBy DataFrame::groupby(const std::vector<std::string>& keys) const {
  return GroupBy(frame_, keys);
}

GroupBy& GroupBy::split_every(int fan_in) {
  if (fan_in < 2)
    throw std::invalid_argument(fmt::format("split_every {} must be at least 2", fan_in));
  split_every_ = fan_in;
  return *this;
}

DataFrame GroupBy::sum() const {
  return all_columns("sum");
}
DataFrame GroupBy::mean() const {
  return all_columns("mean");
}
DataFrame GroupBy::count() const {
  return all_columns("count");
}
DataFrame GroupBy::min() const {
  return all_columns("min");
}
DataFrame GroupBy::max() const {
  return all_columns("max");
}
DataFrame GroupBy::std(int ddof) const {
  GroupBy g = *this;
  g.ddof_ = ddof;
  return g.all_columns("std");
}
DataFrame GroupBy::var(int ddof) const {
  GroupBy g = *this;
  g.ddof_ = ddof;
  return g.all_columns("var");
}
DataFrame GroupBy::size() const {
  return agg({{"size", "size"}});
}

// Every non-key column the aggregation applies to (numbers only for all but count), as pandas'
// numeric_only drops the others.
DataFrame GroupBy::all_columns(const std::string& how) const {
  const Schema& schema = frame_->schema;
  std::vector<std::pair<std::string, std::string>> aggregations;
  for (std::size_t c = 0; c < schema.names.size(); ++c) {
    const std::string& name = schema.names[c];
    if (std::find(keys_.begin(), keys_.end(), name) != keys_.end()) continue;
    const bool number =
        schema.types[c] == ColumnType::int64 || schema.types[c] == ColumnType::float64;
    if (number || !numeric_only(how_of(how))) aggregations.emplace_back(name, how);
  }
  return agg(aggregations);
}

DataFrame GroupBy::agg(const std::vector<std::pair<std::string, std::string>>& aggregations) const {
  const Schema& schema = frame_->schema;
  auto plan = std::make_shared<Plan>();
  plan->keys = keys_;
  plan->ddof = ddof_;
  for (const std::string& key : keys_)
    plan->key_types.push_back(schema.types[schema.position(key)]);
  for (const auto& [column, how_name] : aggregations) {
    const How how = how_of(how_name);
    if (how == How::size) {
      plan->outputs.push_back({"size", 0, how});
      continue;
    }
    const ColumnType type = schema.types[schema.position(column)];
    if (std::find(keys_.begin(), keys_.end(), column) != keys_.end())
      throw std::invalid_argument(
          fmt::format("column '{}' is a groupby key: it cannot be aggregated", column));
    if (numeric_only(how) && type != ColumnType::int64 && type != ColumnType::float64)
      throw std::invalid_argument(fmt::format("cannot take the {} of column '{}' of type {}",
                                              how_name, column, type_name(type)));
    const auto at = std::find(plan->values.begin(), plan->values.end(), column);
    const std::size_t value = static_cast<std::size_t>(at - plan->values.begin());
    if (at == plan->values.end()) {
      plan->values.push_back(column);
      plan->value_types.push_back(type);
    }
    plan->moments = plan->moments || how == How::std || how == How::var;
    plan->outputs.push_back({column, value, how});
  }
  for (std::size_t i = 0; i < plan->outputs.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (plan->outputs[i].name == plan->outputs[j].name)
        throw std::invalid_argument(
            fmt::format("column '{}' is aggregated twice", plan->outputs[i].name));

  // The tree: one chunk task per partition, combines of split_every, one aggregate.
  const FramePtr frame = frame_;
  const std::size_t columns = plan->values.size();
  std::vector<TaskPtr> level;
  for (std::size_t i = 0; i < frame->npartitions(); ++i) {
    std::vector<TaskPtr> inputs;
    if (!frame->csv) inputs.push_back(frame->tasks[i]);
    level.push_back(std::make_shared<const TaskNode>(
        "groupby-chunk", std::move(inputs),
        TaskFunctions::anywhere(
            [frame, plan, i](std::span<const Value* const> in, const TaskContext&) -> Value {
              const Table* input = in.empty() ? nullptr : in[0]->get<TablePtr>().get();
              return PartialsPtr(std::make_shared<const Partials>(chunk(*frame, *plan, i, input)));
            })));
  }
  const auto k = static_cast<std::size_t>(split_every_);
  while (level.size() > k) {
    std::vector<TaskPtr> next;
    for (std::size_t first = 0; first < level.size(); first += k) {
      std::vector<TaskPtr> members(level.begin() + first,
                                   level.begin() + std::min(level.size(), first + k));
      next.push_back(std::make_shared<const TaskNode>(
          "groupby-combine", std::move(members),
          TaskFunctions::anywhere(
              [columns](std::span<const Value* const> in, const TaskContext&) -> Value {
                return PartialsPtr(std::make_shared<const Partials>(combine(in, columns)));
              })));
    }
    level = std::move(next);
  }
  const TaskPtr root = std::make_shared<const TaskNode>(
      "groupby-aggregate", level,
      TaskFunctions::anywhere(
          [plan, columns](std::span<const Value* const> in, const TaskContext&) -> Value {
            const Partials total = in.empty() ? Partials{} : combine(in, columns);
            return TablePtr(std::make_shared<const Table>(aggregate(total, *plan)));
          }));

  auto result = std::make_shared<Frame>();
  Schema& out = result->source_schema;
  out.names = plan->keys;
  out.types = plan->key_types;
  out.index_columns = plan->keys.size();
  for (const Plan::Output& o : plan->outputs) {
    out.names.push_back(o.name);
    const ColumnType in = o.how == How::size ? ColumnType::int64 : plan->value_types[o.value];
    const bool integer =
        o.how == How::count || o.how == How::size ||
        (in == ColumnType::int64 && (o.how == How::sum || o.how == How::min || o.how == How::max));
    out.types.push_back(integer ? ColumnType::int64 : ColumnType::float64);
  }
  result->schema = out;
  result->tasks = {root};
  result->name = "groupby";
  return DataFrame(std::move(result));
}

}  // namespace tessera::dataframe
