// DataFrame: selection, masks and compute. Each partition's rows are read, masked and projected
// by one task; nothing between the file and the projected rows is kept.
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <ostream>
#include <stdexcept>
#include <unordered_map>

#include "dataframe/frame.hpp"
#include "tessera/chunk_store.hpp"
#include "tessera/executor.hpp"
#include "tessera/run_graph.hpp"

namespace tessera::dataframe {
namespace detail {
namespace {

bool same_source(const Frame& a, const Frame& b) {
  return a.csv ? a.csv == b.csv : (!b.csv && a.tasks == b.tasks);
}

std::shared_ptr<Frame> copy_of(const Frame& frame) {
  return std::make_shared<Frame>(frame);
}

// What a partition task does: its rows, masked, with the frame's columns.
Table materialize(const Frame& frame, std::size_t partition, std::span<const Value* const> inputs) {
  std::vector<std::string> names = frame.schema.names;
  if (frame.mask) columns_read(*frame.mask, names);
  const TablePtr loaded = load_partition(frame, partition, names, inputs);
  const Table& source = *loaded;
  std::vector<Column> columns;
  std::vector<std::uint8_t> keep;
  if (frame.mask) keep = evaluate(*frame.mask, source).bools;
  for (const std::string& name : frame.schema.names)
    columns.push_back(frame.mask ? take(source.at(name), keep) : source.at(name));
  return Table(frame.schema.names, std::move(columns), frame.schema.index_columns);
}

}  // namespace

std::size_t Schema::position(const std::string& name) const {
  const auto found = std::find(names.begin(), names.end(), name);
  if (found == names.end())
    throw std::out_of_range(
        fmt::format("no column '{}' (columns: {})", name, fmt::join(names, ", ")));
  return static_cast<std::size_t>(found - names.begin());
}

TablePtr load_partition(const Frame& frame, std::size_t partition,
                        const std::vector<std::string>& names,
                        std::span<const Value* const> inputs) {
  if (frame.stored)
    return std::make_shared<const Table>(
        inputs[0]->get<std::shared_ptr<const StoredPartition>>()->load(names));
  if (!frame.csv) return inputs[0]->get<TablePtr>();
  const CsvSource& csv = *frame.csv;
  const CsvSource::Partition& part = csv.partitions[partition];
  const std::string& path = csv.paths[part.file];
  CsvSchema schema{csv.file_columns, {}, {}};
  for (const std::string& name : names) {
    schema.use.push_back(
        static_cast<std::size_t>(std::find(csv.file_columns.begin(), csv.file_columns.end(), name) -
                                 csv.file_columns.begin()));
    schema.types.push_back(frame.source_schema.types[frame.source_schema.position(name)]);
  }
  const std::string bytes = read_range(path, part.rows.begin, part.rows.end);
  return std::make_shared<const Table>(
      names, parse_columns(CsvText{bytes, &path, part.rows.line}, csv.format, schema));
}

Column take(const Column& column, const std::vector<std::uint8_t>& keep) {
  Column out;
  out.type = column.type;
  out.dictionary = column.dictionary;
  auto pick = [&](const auto& from, auto& to) {
    if (from.empty()) return;  // not the vector this column's type uses
    for (std::size_t i = 0; i < keep.size(); ++i)
      if (keep[i]) to.push_back(from[i]);
  };
  pick(column.int64s, out.int64s);
  pick(column.float64s, out.float64s);
  pick(column.bools, out.bools);
  pick(column.codes, out.codes);
  if (!column.valid.empty()) pick(column.valid, out.valid);
  return out;
}

Table concat(const std::vector<TablePtr>& parts, const Schema& schema) {
  std::vector<Column> columns(schema.names.size());
  for (std::size_t c = 0; c < columns.size(); ++c) {
    Column& out = columns[c];
    out.type = schema.types[c];
    const bool masked = std::any_of(parts.begin(), parts.end(), [&](const TablePtr& part) {
      return !part->columns()[c].valid.empty();
    });
    // One dictionary for the whole column: each part's codes are mapped into it.
    auto dictionary = std::make_shared<std::vector<std::string>>();
    std::unordered_map<std::string, std::int32_t> codes;
    for (const TablePtr& part : parts) {
      const Column& in = part->columns()[c];
      if (in.type != out.type)
        throw std::logic_error(
            fmt::format("partitions disagree on the type of '{}'", schema.names[c]));
      out.int64s.insert(out.int64s.end(), in.int64s.begin(), in.int64s.end());
      out.float64s.insert(out.float64s.end(), in.float64s.begin(), in.float64s.end());
      out.bools.insert(out.bools.end(), in.bools.begin(), in.bools.end());
      if (masked) {
        if (in.valid.empty())
          out.valid.insert(out.valid.end(), in.size(), 1);
        else
          out.valid.insert(out.valid.end(), in.valid.begin(), in.valid.end());
      }
      if (in.type != ColumnType::string) continue;
      std::vector<std::int32_t> map(in.dictionary->size());
      for (std::size_t k = 0; k < map.size(); ++k) {
        const auto [it, added] =
            codes.emplace((*in.dictionary)[k], static_cast<std::int32_t>(dictionary->size()));
        if (added) dictionary->push_back((*in.dictionary)[k]);
        map[k] = it->second;
      }
      for (std::int32_t code : in.codes) out.codes.push_back(code < 0 ? -1 : map[code]);
    }
    if (out.type == ColumnType::string) out.dictionary = std::move(dictionary);
  }
  return Table(schema.names, std::move(columns), schema.index_columns);
}

std::vector<TaskPtr> partition_tasks(const FramePtr& frame) {
  // A frame that is its tasks' tables as they are (a groupby result) needs no task of its own.
  if (!frame->csv && !frame->stored && !frame->mask &&
      frame->schema.names == frame->source_schema.names)
    return frame->tasks;
  std::vector<TaskPtr> tasks;
  const std::string name = frame->mask ? "filter" : frame->name;
  for (std::size_t i = 0; i < frame->npartitions(); ++i) {
    std::vector<TaskPtr> inputs;
    if (!frame->csv) inputs.push_back(frame->tasks[i]);
    tasks.push_back(std::make_shared<const TaskNode>(
        name, std::move(inputs),
        TaskFunctions::anywhere(
            [frame, i](std::span<const Value* const> in, const TaskContext&) -> Value {
              return TablePtr(std::make_shared<const Table>(materialize(*frame, i, in)));
            })));
  }
  return tasks;
}

namespace {

// A vector's bytes as a chunk the store can keep (a one-dimensional array of bytes).
template <class T>
std::shared_ptr<StoredChunk> put_bytes(const std::vector<T>& values, ChunkStore& store, int owner) {
  auto bytes = std::make_shared<NDArray>(
      Shape{static_cast<std::int64_t>(values.size() * sizeof(T))}, DType::boolean);
  if (!values.empty()) std::memcpy(bytes->raw(), values.data(), values.size() * sizeof(T));
  return store.put(std::move(bytes), owner);
}

template <class T>
std::vector<T> load_bytes(StoredChunk& chunk) {
  const std::shared_ptr<NDArray> bytes = chunk.load();
  std::vector<T> values(bytes->nbytes() / sizeof(T));
  if (!values.empty()) std::memcpy(values.data(), bytes->raw(), values.size() * sizeof(T));
  return values;
}

}  // namespace

StoredPartition::StoredPartition(const Table& table, ChunkStore& store, int owner)
    : names(table.column_names()), index_columns(table.index_columns()) {
  for (const Column& c : table.columns()) {
    Stored& s = columns.emplace_back();
    s.type = c.type;
    s.dictionary = c.dictionary;
    switch (c.type) {
      case ColumnType::int64:
        s.values = put_bytes(c.int64s, store, owner);
        break;
      case ColumnType::float64:
        s.values = put_bytes(c.float64s, store, owner);
        break;
      case ColumnType::boolean:
        s.values = put_bytes(c.bools, store, owner);
        break;
      case ColumnType::string:
        s.values = put_bytes(c.codes, store, owner);
        break;
    }
    if (!c.valid.empty()) s.valid = put_bytes(c.valid, store, owner);
  }
}

Table StoredPartition::load(const std::vector<std::string>& wanted) const {
  std::vector<Column> out;
  std::size_t index = 0;  // leading index columns kept as the index
  for (const std::string& name : wanted) {
    const std::size_t at =
        static_cast<std::size_t>(std::find(names.begin(), names.end(), name) - names.begin());
    if (at == names.size())
      throw std::out_of_range(
          fmt::format("no column '{}' (columns: {})", name, fmt::join(names, ", ")));
    if (index == out.size() && at == index && at < index_columns) ++index;
    const Stored& s = columns[at];
    Column& c = out.emplace_back();
    c.type = s.type;
    c.dictionary = s.dictionary;
    switch (s.type) {
      case ColumnType::int64:
        c.int64s = load_bytes<std::int64_t>(*s.values);
        break;
      case ColumnType::float64:
        c.float64s = load_bytes<double>(*s.values);
        break;
      case ColumnType::boolean:
        c.bools = load_bytes<std::uint8_t>(*s.values);
        break;
      case ColumnType::string:
        c.codes = load_bytes<std::int32_t>(*s.values);
        break;
    }
    if (s.valid) c.valid = load_bytes<std::uint8_t>(*s.valid);
  }
  return Table(wanted, std::move(out), index);
}

std::size_t StoredPartition::nbytes() const {
  std::size_t bytes = 0;  // the columns' bytes are the store's to count; the dictionaries here
  for (const Stored& s : columns)
    if (s.dictionary)
      for (const std::string& v : *s.dictionary) bytes += v.size();
  return bytes;
}

}  // namespace detail

using namespace detail;

DataFrame::DataFrame(std::shared_ptr<const detail::Frame> frame) : frame_(std::move(frame)) {}

const std::vector<std::string>& DataFrame::columns() const {
  return frame_->schema.names;
}

ColumnType DataFrame::dtype(const std::string& column) const {
  return frame_->schema.types[frame_->schema.position(column)];
}

std::size_t DataFrame::npartitions() const {
  return frame_->npartitions();
}

Series DataFrame::operator[](const std::string& column) const {
  auto expr = std::make_shared<Expr>();
  expr->op = Expr::Op::column;
  expr->name = column;
  expr->type = dtype(column);
  return Series(frame_, std::move(expr));
}

DataFrame DataFrame::operator[](const std::vector<std::string>& columns) const {
  auto frame = copy_of(*frame_);
  const Schema& from = frame_->schema;
  Schema& to = frame->schema;
  // The index (a groupby's keys) stays, as pandas keeps it when selecting columns.
  to.names.assign(from.names.begin(), from.names.begin() + from.index_columns);
  to.types.assign(from.types.begin(), from.types.begin() + from.index_columns);
  for (const std::string& name : columns) {
    const std::size_t at = from.position(name);
    if (at < from.index_columns) continue;
    if (std::find(to.names.begin(), to.names.end(), name) != to.names.end())
      throw std::invalid_argument(fmt::format("column '{}' is selected twice", name));
    to.names.push_back(name);
    to.types.push_back(from.types[at]);
  }
  return DataFrame(std::move(frame));
}

DataFrame DataFrame::operator[](const Series& mask) const {
  if (mask.dtype() != ColumnType::boolean)
    throw std::invalid_argument(fmt::format("a mask must be a bool Series; '{}' is {}", mask.name(),
                                            type_name(mask.dtype())));
  if (!same_source(*mask.frame_, *frame_))
    throw std::invalid_argument(fmt::format(
        "mask '{}' comes from another frame: build it from this one's columns", mask.name()));
  auto frame = copy_of(*frame_);
  if (frame->mask) {  // df[m1][m2]: both must hold
    auto both = std::make_shared<Expr>();
    both->op = Expr::Op::and_;
    both->type = ColumnType::boolean;
    both->name = frame->mask->name;
    both->a = frame->mask;
    both->b = mask.expr_;
    frame->mask = std::move(both);
  } else {
    frame->mask = mask.expr_;
  }
  return DataFrame(std::move(frame));
}

Table DataFrame::compute() const {
  const std::vector<TaskPtr> tasks = partition_tasks(frame_);
  std::vector<TablePtr> parts;
  if (!tasks.empty()) {
    const auto computation = run_graph(tasks);
    for (std::size_t k = 0; k < tasks.size(); ++k)
      parts.push_back(computation->output(k).get<TablePtr>());
  }
  if (parts.size() == 1) return *parts[0];
  return concat(parts, frame_->schema);
}

DataFrame DataFrame::persist() const {
  // Each partition's columns go into the executor's store as they are made, one byte chunk per
  // vector: counted against the worker that made them and spilled beyond its budget, as
  // persisted array chunks are.
  const std::shared_ptr<ChunkStore> store = current_executor()->chunk_store();
  std::vector<TaskPtr> keepers;
  for (const TaskPtr& task : partition_tasks(frame_))
    keepers.push_back(std::make_shared<const TaskNode>(
        "store", std::vector<TaskPtr>{task},
        TaskFunctions::anywhere(
            [store](std::span<const Value* const> in, const TaskContext& context) -> Value {
              return std::shared_ptr<const StoredPartition>(std::make_shared<const StoredPartition>(
                  *in[0]->get<TablePtr>(), *store, context.worker));
            }),
        /*stores_inputs=*/true));
  auto frame = std::make_shared<Frame>();
  frame->source_schema = frame->schema = frame_->schema;
  frame->name = "persisted";
  frame->stored = true;
  if (keepers.empty()) return DataFrame(std::move(frame));
  const auto computation = run_graph(keepers);
  for (std::size_t k = 0; k < keepers.size(); ++k) {
    auto part = computation->output(k).get<std::shared_ptr<const StoredPartition>>();
    frame->tasks.push_back(std::make_shared<const TaskNode>(
        "persisted", std::vector<TaskPtr>{},
        TaskFunctions::anywhere(
            [part = std::move(part)](std::span<const Value* const>, const TaskContext&) -> Value {
              return part;  // its readers load the columns they use
            })));
  }
  return DataFrame(std::move(frame));
}

std::size_t DataFrame::length() const {
  // Counting needs the mask's columns, or one column to count the rows of.
  auto frame = copy_of(*frame_);
  frame->schema.names.resize(std::min<std::size_t>(1, frame->schema.names.size()));
  frame->schema.types.resize(frame->schema.names.size());
  frame->schema.index_columns = std::min(frame->schema.index_columns, frame->schema.names.size());
  return DataFrame(std::move(frame)).compute().num_rows();
}

std::ostream& operator<<(std::ostream& out, const DataFrame& frame) {
  const Schema& schema = frame.frame_->schema;
  std::size_t width = 0;
  for (const std::string& name : schema.names) width = std::max(width, name.size());
  out << fmt::format("tessera.DataFrame<npartitions={}, columns={}>\n", frame.npartitions(),
                     schema.names.size());
  for (std::size_t c = 0; c < schema.names.size(); ++c)
    out << fmt::format("{:<{}}  {}{}\n", schema.names[c], width, type_name(schema.types[c]),
                       c < schema.index_columns ? "  (index)" : "");
  return out;
}

}  // namespace tessera::dataframe
