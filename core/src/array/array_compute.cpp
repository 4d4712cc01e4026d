// Running array graphs: compute, persist, task counts, repr, visualize, .npy glue.
#include <fmt/format.h>

#include <optional>
#include <ostream>
#include <unordered_set>

#include "array/checked_count.hpp"
#include "lowering/array_lowering.hpp"
#include "tessera/array.hpp"
#include "tessera/chunk_store.hpp"
#include "tessera/executor.hpp"
#include "tessera/run_graph.hpp"
#include "tessera/visualize.hpp"

namespace tessera {

using detail::BlockGrid;
using detail::GridPtr;
using detail::Lowering;
using detail::Node;

namespace {

// Runs the grid's tasks on the current executor and returns every block, row-major.
std::vector<std::shared_ptr<NDArray>> run_blocks(const BlockGrid& grid) {
  if (grid.stored) return grid.stored->load_all();
  auto computation = run_graph(grid.tasks);
  std::vector<std::shared_ptr<NDArray>> blocks;
  blocks.reserve(grid.tasks.size());
  for (std::size_t k = 0; k < grid.tasks.size(); ++k)
    blocks.push_back(computation->output(k).get<std::shared_ptr<NDArray>>());
  return blocks;
}

// Beyond this many chunks in an expression the repr leaves its tasks uncounted: counting them
// means building them, and printing an array of 2^40 chunks allocated until the OOM killer came.
constexpr std::int64_t kReprChunkLimit = 1'000'000;

// Whether the expression's nodes have more than `limit` chunks in all, each node counted once;
// the walk stops as soon as they do.
bool more_chunks_than(const Array& array, std::int64_t limit) {
  std::vector<const Node*> stack{detail::node_of(array).get()};
  std::unordered_set<const Node*> seen{stack.back()};
  std::int64_t total = 0;
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    const std::optional<std::int64_t> chunks = detail::checked_product(numblocks(node->chunks));
    if (!chunks || *chunks > limit - total) return true;
    total += *chunks;
    for (const auto& input : node->inputs)
      if (seen.insert(input.get()).second) stack.push_back(input.get());
  }
  return false;
}

}  // namespace

NDArray Array::compute() const {
  GridPtr grid = Lowering(current_executor()->chunk_store()->chunk_limit()).lower(node_);
  return detail::assemble(*grid, run_blocks(*grid));
}

Array Array::persist() const {
  std::shared_ptr<Executor> executor = current_executor();
  // The store is the executor's memory policy (a cluster's budgets and spilling); persist only
  // hands it chunks, so core never reaches into scheduler state.
  std::shared_ptr<ChunkStore> store = executor->chunk_store();
  GridPtr grid = Lowering(store->chunk_limit()).lower(node_);
  // Each chunk goes into the store from a task of its own as soon as it exists, so chunks beyond
  // the memory budget are spilled as they come instead of piling up in the run's results.
  auto stored = std::make_shared<detail::StoredChunks>();
  if (grid->stored) {
    stored->blocks = grid->stored->blocks;
  } else {
    std::vector<TaskPtr> keepers;
    // The keeper only files the chunk: it may run on any worker, so a cluster of GPU workers
    // alone can persist too. A chunk a GPU worker left on its device goes into the device tier
    // of that worker.
    const TaskFunction keep = [store](std::span<const Value* const> in,
                                      const TaskContext& context) -> Value {
      if (const Value::DeviceChunk* device = in[0]->device_chunk(); device && *device)
        return store->put(*device);
      return store->put(in[0]->get<std::shared_ptr<NDArray>>(), context.worker);
    };
    for (const TaskPtr& chunk : grid->tasks)
      keepers.push_back(std::make_shared<const TaskNode>("store", std::vector<TaskPtr>{chunk},
                                                         TaskFunctions::anywhere(keep),
                                                         /*stores_inputs=*/true));
    auto computation = run_graph(*executor, keepers);
    for (std::size_t k = 0; k < keepers.size(); ++k)
      stored->blocks.push_back(computation->output(k).get<Value::Stored>());
  }
  return Array(std::make_shared<Node>(Node::Stored{std::move(stored)}, node_->name, node_->shape,
                                      node_->chunks, node_->dtype));
}

std::size_t Array::task_count() const {
  GridPtr grid = Lowering().lower(node_);
  return grid->stored ? 0 : build_graph(grid->tasks).size();
}

std::ostream& operator<<(std::ostream& out, const Array& array) {
  const std::string tasks = more_chunks_than(array, kReprChunkLimit)
                                ? fmt::format("uncounted (over {} chunks)", kReprChunkLimit)
                                : std::to_string(array.task_count());
  return out << fmt::format(
             "tessera.Array<{}, shape={}, dtype={}, chunksize={}, numblocks={}, tasks={}>",
             array.name(), format_shape(array.shape()), dtype_name(array.dtype()),
             format_shape(array.chunksize()), format_shape(array.numblocks()), tasks);
}

void collect_visualized(std::vector<TaskPtr>& nodes, const Array& array) {
  GridPtr grid = Lowering().lower(detail::node_of(array));
  nodes.insert(nodes.end(), grid->tasks.begin(), grid->tasks.end());
}

}  // namespace tessera
