// GroupBy: what aggregations a user asks for, checked, and the tree of tasks that computes them.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "dataframe/groupby_partials.hpp"

namespace tessera::dataframe {

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

GroupBy DataFrame::groupby(std::initializer_list<std::string> keys) const {
  return GroupBy(frame_, std::vector<std::string>(keys));
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
  return agg({{"", "size"}});  // rows per group, of no column in particular
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
    if (how == How::size) {  // rows per group: the column "size", whichever column asked
      if (!column.empty()) schema.position(column);  // names an unknown column
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
      plan->needs.emplace_back();
    }
    Needs& needs = plan->needs[value];
    needs.count = needs.count || (how != How::sum && how != How::size);
    needs.int_sum = needs.int_sum || (how == How::sum && type == ColumnType::int64);
    needs.double_sum =
        needs.double_sum || how == How::mean || (how == How::sum && type == ColumnType::float64);
    needs.min_max = needs.min_max || how == How::min || how == How::max;
    needs.moments = needs.moments || how == How::std || how == How::var;
    plan->outputs.push_back({column, value, how});
  }
  for (std::size_t i = 0; i < plan->outputs.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (plan->outputs[i].name == plan->outputs[j].name)
        throw std::invalid_argument(
            fmt::format("column '{}' is aggregated twice", plan->outputs[i].name));

  // The tree: one chunk task per partition, combines of split_every, one aggregate.
  const FramePtr frame = frame_;
  std::vector<TaskPtr> level;
  for (std::size_t i = 0; i < frame->npartitions(); ++i) {
    std::vector<TaskPtr> inputs;
    if (!frame->csv) inputs.push_back(frame->tasks[i]);
    level.push_back(std::make_shared<const TaskNode>(
        "groupby-chunk", std::move(inputs),
        TaskFunctions::anywhere(
            [frame, plan, i](std::span<const Value* const> in, const TaskContext&) -> Value {
              return PartialsPtr(std::make_shared<const Partials>(chunk(*frame, *plan, i, in)));
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
              [plan](std::span<const Value* const> in, const TaskContext&) -> Value {
                return PartialsPtr(std::make_shared<const Partials>(combine(in, *plan)));
              })));
    }
    level = std::move(next);
  }
  const TaskPtr root = std::make_shared<const TaskNode>(
      "groupby-aggregate", level,
      TaskFunctions::anywhere(
          [plan](std::span<const Value* const> in, const TaskContext&) -> Value {
            const Partials total = in.empty() ? Partials{} : combine(in, *plan);
            return TablePtr(std::make_shared<const Table>(aggregate(total, *plan)));
          }));

  auto result = std::make_shared<Frame>();
  Schema& out = result->source_schema;
  out.names = plan->keys;
  out.types = plan->key_types;
  out.index_columns = plan->keys.size();
  for (const Plan::Output& o : plan->outputs) {
    out.names.push_back(o.name);
    out.types.push_back(plan->output_type(o));
  }
  result->schema = out;
  result->tasks = {root};
  result->name = "groupby";
  return DataFrame(std::move(result));
}

}  // namespace tessera::dataframe
