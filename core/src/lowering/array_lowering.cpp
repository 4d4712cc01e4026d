#include "lowering/array_lowering.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "lowering/box_copy.hpp"
#include "lowering/fused_program.hpp"
#include "tessera/array_kernels.hpp"
#include "tessera/chunk_store.hpp"
#include "tessera/device_array.hpp"
#include "tessera/kernels/program_eval.hpp"

// Reduction partials are plain numbers: they cross MPI ranks as their bytes.
template <>
inline constexpr bool tessera::bitwise_codec<tessera::kernels::Partial> = true;

namespace tessera::detail {
namespace {

using kernels::Partial;
using kernels::ReduceOp;
using Index = std::vector<std::int64_t>;
using PartialsPtr = std::shared_ptr<const std::vector<Partial>>;

std::int64_t flat_index(const Index& index, const Index& extent) {
  std::int64_t flat = 0;
  for (std::size_t d = 0; d < extent.size(); ++d) flat = flat * extent[d] + index[d];
  return flat;
}

std::int64_t product(const Index& extent) {
  return std::accumulate(extent.begin(), extent.end(), std::int64_t{1}, std::multiplies<>());
}

std::vector<Index> boundaries_of(const Chunks& chunks) {
  std::vector<Index> bounds;
  for (const auto& c : chunks) bounds.push_back(chunk_boundaries(c));
  return bounds;
}

// The box of block `block` in a grid with these boundaries.
kernels::Box box_of(const std::vector<Index>& bounds, const Index& block) {
  kernels::Box box;
  for (std::size_t d = 0; d < block.size(); ++d) {
    box.lo[d] = bounds[d][block[d]];
    box.hi[d] = bounds[d][block[d] + 1];
  }
  return box;
}

Index extent_of(const kernels::Box& box, std::size_t ndim) {
  Index extent(ndim);
  for (std::size_t d = 0; d < ndim; ++d) extent[d] = box.hi[d] - box.lo[d];
  return extent;
}

// Which block of a dimension holds index i.
std::int64_t block_containing(const Index& bounds, std::int64_t i) {
  return std::upper_bound(bounds.begin(), bounds.end(), i) - bounds.begin() - 1;
}

// What a region leaf needs inside one output box: its box in source coordinates and the source
// blocks overlapping it.
struct RegionPlan {
  Index lo, extent;
  std::vector<Index> blocks;
};

RegionPlan plan_region(const RegionLeaf& region, const kernels::Box& box) {
  const BlockGrid& source = *region.source;
  const std::size_t ndim = source.shape.size();
  RegionPlan plan;
  plan.lo.resize(ndim);
  plan.extent.resize(ndim);
  Index first(ndim), count(ndim);
  const auto bounds = boundaries_of(source.chunks);
  for (std::size_t j = 0; j < ndim; ++j) {
    // The source indices read: offset + step * i for i in the box's range, lowest to highest.
    const AxisMap& m = region.source_to_eval[j];
    if (m.eval < 0) {
      plan.lo[j] = m.offset;
      plan.extent[j] = 1;
    } else {
      const std::int64_t n = box.hi[m.eval] - box.lo[m.eval];
      if (n <= 0) return plan;  // nothing read
      const std::int64_t a = m.offset + m.step * box.lo[m.eval], b = a + m.step * (n - 1);
      plan.lo[j] = std::min(a, b);
      plan.extent[j] = std::max(a, b) - plan.lo[j] + 1;
    }
    first[j] = block_containing(bounds[j], plan.lo[j]);
    count[j] = block_containing(bounds[j], plan.lo[j] + plan.extent[j] - 1) - first[j] + 1;
  }
  for_each_index(count, [&](const Index& k) {
    Index block(ndim);
    for (std::size_t j = 0; j < ndim; ++j) block[j] = first[j] + k[j];
    plan.blocks.push_back(block);
  });
  return plan;
}

// Copies the overlapping parts of `blocks` into one region array.
std::shared_ptr<NDArray> gather_region(const BlockGrid& source, const RegionPlan& plan,
                                       const std::vector<const NDArray*>& blocks) {
  auto region = std::make_shared<NDArray>(plan.extent, source.dtype);
  const auto bounds = boundaries_of(source.chunks);
  const std::size_t ndim = plan.lo.size();
  for (std::size_t b = 0; b < blocks.size(); ++b) {
    const Index& block = plan.blocks[b];
    Index src_lo(ndim), dst_lo(ndim), extent(ndim);
    for (std::size_t j = 0; j < ndim; ++j) {
      const std::int64_t lo = std::max(bounds[j][block[j]], plan.lo[j]);
      const std::int64_t hi = std::min(bounds[j][block[j] + 1], plan.lo[j] + plan.extent[j]);
      src_lo[j] = lo - bounds[j][block[j]];
      dst_lo[j] = lo - plan.lo[j];
      extent[j] = hi - lo;
    }
    copy_box(blocks[b]->raw(), blocks[b]->shape(), src_lo, region->raw(), region->shape(), dst_lo,
             extent, dtype_size(source.dtype));
  }
  return region;
}

// A fused program plus, per region leaf, the plan for one box. Built at lowering time; the task
// finishes it with the gathered regions.
struct BoxJob {
  std::shared_ptr<const FusedProgram> fused;
  kernels::Box box;
  std::vector<RegionPlan> plans;
  std::vector<std::size_t>
      input_start;  ///< per region: first task input of its blocks (or SIZE_MAX: stored)
};

BoxJob plan_box(const std::shared_ptr<const FusedProgram>& fused,
                const std::vector<GridPtr>& sources, const kernels::Box& box,
                std::vector<TaskPtr>& dependencies) {
  BoxJob job{fused, box, {}, {}};
  for (std::size_t r = 0; r < fused->regions.size(); ++r) {
    const RegionLeaf& region = fused->regions[r];
    RegionPlan plan = plan_region(region, box);
    if (region.source->stored) {
      job.input_start.push_back(SIZE_MAX);
    } else {
      job.input_start.push_back(dependencies.size());
      const Index nb = numblocks(region.source->chunks);
      for (const Index& block : plan.blocks)
        dependencies.push_back(sources[r]->tasks[flat_index(block, nb)]);
    }
    job.plans.push_back(std::move(plan));
  }
  return job;
}

// The program with every region leaf pointed at its gathered data (kept alive in `keep`).
kernels::Program finish_program(const BoxJob& job, std::span<const Value* const> inputs,
                                std::vector<std::shared_ptr<NDArray>>& keep) {
  kernels::Program program = job.fused->program;
  for (std::size_t r = 0; r < job.fused->regions.size(); ++r) {
    const RegionLeaf& region = job.fused->regions[r];
    const RegionPlan& plan = job.plans[r];
    const BlockGrid& source = *region.source;
    std::vector<std::shared_ptr<NDArray>> held;
    const Index nb = numblocks(source.chunks);
    for (std::size_t b = 0; b < plan.blocks.size(); ++b) {
      if (job.input_start[r] == SIZE_MAX)  // persisted: read back from its spill file if needed
        held.push_back(source.stored->blocks[flat_index(plan.blocks[b], nb)]->load());
      else
        held.push_back(inputs[job.input_start[r] + b]->get<std::shared_ptr<NDArray>>());
    }
    // A region that is exactly one whole block (same chunking upstream and here) is read in
    // place; otherwise the overlapping parts are copied into one buffer.
    std::shared_ptr<NDArray> data;
    if (held.size() == 1 && held[0]->shape() == plan.extent) {
      data = held[0];
    } else {
      std::vector<const NDArray*> blocks;
      for (const auto& block : held) blocks.push_back(block.get());
      data = gather_region(source, plan, blocks);
    }
    kernels::Instruction& leaf = program.code[region.instruction];
    leaf.op = kernels::Op::load_buffer;
    leaf.dtype = source.dtype;
    leaf.data = data->raw();
    leaf.map = kernels::Affine{};
    const auto strides = row_major_strides(plan.extent);
    for (std::size_t j = 0; j < strides.size(); ++j) {
      // Region index = source index - plan.lo = offset + step * i - plan.lo.
      const AxisMap& m = region.source_to_eval[j];
      if (m.eval >= 0) leaf.map.stride[m.eval] += m.step * strides[j];
      leaf.map.offset += (m.offset - plan.lo[j]) * strides[j];
    }
    keep.push_back(std::move(data));
  }
  return program;
}

bool is_empty(const kernels::Box& box, int ndim) {
  for (int d = 0; d < ndim; ++d)
    if (box.hi[d] <= box.lo[d]) return true;
  return false;
}

// Whether a reduction of int64 data folds int64 partials (sums and products wrapping around, as
// NumPy's do); the others take the elements as float64, as NumPy's mean, var and std do.
bool reduces_integers(Reduction reduction, DType input) {
  return input == DType::int64 && (reduction == Reduction::sum || reduction == Reduction::prod ||
                                   reduction == Reduction::min || reduction == Reduction::max);
}

ReduceOp kernel_op(Reduction reduction, DType input) {
  const bool integer = reduces_integers(reduction, input);
  switch (reduction) {
    case Reduction::sum:
      return integer ? ReduceOp::sum_int64 : ReduceOp::sum;
    case Reduction::prod:
      return integer ? ReduceOp::prod_int64 : ReduceOp::prod;
    case Reduction::min:
      return integer ? ReduceOp::min_int64 : ReduceOp::min;
    case Reduction::max:
      return integer ? ReduceOp::max_int64 : ReduceOp::max;
    case Reduction::any:
      return ReduceOp::any;
    case Reduction::all:
      return ReduceOp::all;
    default:
      return ReduceOp::moments;
  }
}

double finish_partial(const Partial& p, const Node::Reduce& reduce) {
  switch (reduce.reduction) {
    case Reduction::any:
    case Reduction::all:
      return p.value != 0 ? 1 : 0;
    case Reduction::mean:
      return p.mean;
    case Reduction::var:
    case Reduction::std: {
      // NumPy divides by max(n - ddof, 0): inf for ddof >= n (NaN for constant data, 0 / 0).
      const double dof = std::max(p.count - reduce.ddof, 0.0);
      const double var = p.m2 / dof;
      return reduce.reduction == Reduction::std ? std::sqrt(var) : var;
    }
    default:
      return p.value;
  }
}

void store_value(NDArray& out, std::int64_t i, double value) {
  switch (out.dtype()) {
    case DType::boolean:
      static_cast<bool*>(out.raw())[i] = value != 0;
      break;
    case DType::int64:
      static_cast<std::int64_t*>(out.raw())[i] = static_cast<std::int64_t>(value);
      break;
    case DType::float32:
      static_cast<float*>(out.raw())[i] = static_cast<float>(value);
      break;
    case DType::float64:
      static_cast<double*>(out.raw())[i] = value;
      break;
  }
}

std::vector<Partial> combine_inputs(std::span<const Value* const> inputs, ReduceOp op) {
  std::vector<Partial> total = *inputs[0]->get<PartialsPtr>();
  for (std::size_t i = 1; i < inputs.size(); ++i) {
    const auto& next = *inputs[i]->get<PartialsPtr>();
    for (std::size_t k = 0; k < total.size(); ++k)
      total[k] = kernels::combine(total[k], next[k], op);
  }
  return total;
}

using BackendKernels = std::array<std::shared_ptr<const ArrayKernels>, kMaxBackends>;

// One function per backend that can run the chunk's program: every backend whose kernels read
// host chunks (host), and, when the program only generates its inputs (random, constant, arange
// leaves), the device backends too. `function_for(kernels)` makes the function for one backend.
template <class MakeFunction>
TaskFunctions functions_for(const BackendKernels& backends, bool generated_only,
                            MakeFunction&& function_for) {
  TaskFunctions functions;
  for (std::size_t b = 0; b < kMaxBackends; ++b)
    if (backends[b] && (backends[b]->reads_host_chunks || generated_only))
      functions.on(static_cast<Backend>(b), function_for(backends[b]));
  return functions;
}

// Evaluates a chunk with one backend's kernels. A device backend's chunk stays in its memory:
// the scheduler keeps it in the store's device tier when later tasks read it, else copies it to
// host memory. Room is made on the device first, so stored chunks and this output stay within
// the worker's device budget (plus at most one chunk per other stream).
TaskFunction evaluate_chunk(std::shared_ptr<const BoxJob> job, int ndim, DType dtype,
                            std::shared_ptr<const ArrayKernels> chunk_kernels) {
  return [job, ndim, dtype, chunk_kernels](std::span<const Value* const> inputs,
                                           const TaskContext& context) -> Value {
    const Shape shape = extent_of(job->box, ndim);
    if (is_empty(job->box, ndim)) return std::make_shared<NDArray>(shape, dtype);
    std::shared_ptr<DeviceMemory> memory =
        chunk_kernels->memory ? chunk_kernels->memory(context) : nullptr;
    if (!memory) {
      auto out = std::make_shared<NDArray>(shape, dtype);
      std::vector<std::shared_ptr<NDArray>> keep;
      chunk_kernels->evaluate(context, finish_program(*job, inputs, keep), job->box, dtype,
                              out->raw());
      return out;
    }
    if (context.store)
      context.store->make_device_room(context.worker, DeviceArray::nbytes_of(shape, dtype));
    auto out = std::make_shared<DeviceArray>(std::move(memory), shape, dtype, context.worker);
    // Buffer leaves point into host chunks: only a backend that reads host chunks gets here with
    // any (a CUDA worker runs programs that generate their inputs, which have none).
    std::vector<std::shared_ptr<NDArray>> keep;
    chunk_kernels->evaluate(context, finish_program(*job, inputs, keep), job->box, dtype,
                            out->data());
    return out;
  };
}

}  // namespace

GridPtr Lowering::lower(const NodePtr& root) {
  // Depth first with an explicit stack: a node is finished once every grid its program reads
  // is. An iterative algorithm's expression is thousands of segments deep, and lowering each
  // of them inside its reader's lowering overflowed the stack.
  std::vector<Pending> stack;
  stack.push_back({root});
  while (!stack.empty()) {
    Pending& top = stack.back();
    if (memo_.count(top.node.get())) {  // lowered already, or reached twice
      stack.pop_back();
      continue;
    }
    if (!top.prepared) prepare(top);
    if (top.fused && top.next_region < top.fused->regions.size()) {
      NodePtr input = top.fused->regions[top.next_region++].node;
      stack.push_back({std::move(input)});
      continue;
    }
    Pending ready = std::move(top);
    stack.pop_back();
    memo_.emplace(ready.node.get(), finish(ready));
  }
  return memo_.at(root.get());
}

void Lowering::prepare(Pending& pending) {
  const NodePtr& node = pending.node;
  if (const auto* reduce = node->as<Node::Reduce>()) {
    auto fused = std::make_shared<FusedProgram>(fuse(node->inputs[0], costs_));
    if (!reduces_integers(reduce->reduction, node->inputs[0]->dtype))
      convert_result_to_double(*fused);
    pending.fused = std::move(fused);
  } else if (!node->is<Node::Stored>() && !node->is<Node::Files>())
    pending.fused = std::make_shared<FusedProgram>(fuse(node, costs_));
  pending.prepared = true;
}

GridPtr Lowering::finish(Pending& pending) {
  const NodePtr& node = pending.node;
  // Reductions fuse into their input's kernels and never hold its chunks; everything else
  // materializes chunks of node's chunking.
  if (const auto* stored = node->as<Node::Stored>()) return lower_stored(*node, *stored);
  check_chunk_sizes(*node);
  if (node->is<Node::Files>()) return lower_files(node);
  // The program keeps only the layout of the grids it reads (see RegionLeaf::source).
  Sources sources;
  for (RegionLeaf& region : pending.fused->regions) {
    sources.push_back(memo_.at(region.node.get()));
    auto layout = std::make_shared<BlockGrid>();
    layout->shape = sources.back()->shape;
    layout->chunks = sources.back()->chunks;
    layout->dtype = sources.back()->dtype;
    layout->stored = sources.back()->stored;
    region.source = std::move(layout);
    region.node.reset();
  }
  if (const auto* reduce = node->as<Node::Reduce>())
    return lower_reduce(node, *reduce, pending.fused, sources);
  return lower_segment(node, pending.fused, sources);
}

GridPtr Lowering::lower_stored(const Node& node, const Node::Stored& stored) {
  auto grid = std::make_shared<BlockGrid>();
  grid->shape = node.shape;
  grid->chunks = node.chunks;
  grid->dtype = node.dtype;
  const auto& blocks = stored.chunks->blocks;
  const bool spread = std::any_of(blocks.begin(), blocks.end(),
                                  [](const auto& block) { return block->home() >= 0; });
  if (!spread) {
    grid->stored = stored.chunks;  // read in place by the tasks that use them
    return grid;
  }
  // Chunks spread over MPI ranks: each is read by a task of its own on the rank holding it, so
  // its readers elsewhere get it as an input like any other chunk.
  grid->tasks.reserve(blocks.size());
  for (const auto& block : blocks)
    grid->tasks.push_back(std::make_shared<const TaskNode>(
        "load-persisted", std::vector<TaskPtr>{},
        TaskFunctions::anywhere([block](std::span<const Value* const>,
                                        const TaskContext&) -> Value { return block->load(); }),
        /*stores_inputs=*/false, block->home()));
  return grid;
}

GridPtr Lowering::lower_segment(const NodePtr& node, std::shared_ptr<const FusedProgram> fused,
                                const Sources& sources) {
  auto grid = std::make_shared<BlockGrid>();
  grid->shape = node->shape;
  grid->chunks = node->chunks;
  grid->dtype = node->dtype;
  const auto bounds = boundaries_of(node->chunks);
  const int ndim = static_cast<int>(node->shape.size());
  const DType dtype = node->dtype;
  const BackendKernels backends = array_kernels();
  for_each_index(numblocks(node->chunks), [&](const Index& block) {
    std::vector<TaskPtr> dependencies;
    auto job = std::make_shared<const BoxJob>(
        plan_box(fused, sources, box_of(bounds, block), dependencies));
    TaskFunctions functions = functions_for(
        backends, is_generated_only(*fused),
        [&](const auto& chunk_kernels) { return evaluate_chunk(job, ndim, dtype, chunk_kernels); });
    grid->tasks.push_back(std::make_shared<const TaskNode>(node->name, std::move(dependencies),
                                                           std::move(functions)));
  });
  // A 0-d array still has one block.
  if (grid->tasks.empty() && ndim == 0) throw std::logic_error("0-d segment without a block");
  return grid;
}

GridPtr Lowering::lower_reduce(const NodePtr& node, const Node::Reduce& reduce,
                               std::shared_ptr<const FusedProgram> fused, const Sources& sources) {
  const NodePtr& input = node->inputs[0];
  const int ndim = static_cast<int>(input->shape.size());
  const ReduceOp op = kernel_op(reduce.reduction, input->dtype);
  auto reduced = std::make_shared<std::vector<bool>>(ndim, false);
  for (int axis : reduce.axes) (*reduced)[axis] = true;
  auto kept_extent = [reduced, ndim](const kernels::Box& box) {
    Index extent;
    for (int d = 0; d < ndim; ++d)
      if (!(*reduced)[d]) extent.push_back(box.hi[d] - box.lo[d]);
    return extent;
  };

  // 1. One fused kernel per input chunk, producing partials, on any backend that can run it.
  const BackendKernels backends = array_kernels();
  const auto bounds = boundaries_of(input->chunks);
  Index level_nb = numblocks(input->chunks);
  std::vector<TaskPtr> level;
  for_each_index(level_nb, [&](const Index& block) {
    std::vector<TaskPtr> dependencies;
    auto job = std::make_shared<const BoxJob>(
        plan_box(fused, sources, box_of(bounds, block), dependencies));
    const std::int64_t count = product(kept_extent(job->box));
    TaskFunctions functions = functions_for(
        backends, is_generated_only(*fused), [&](const auto& chunk_kernels) -> TaskFunction {
          return [job, reduced, op, ndim, count, chunk_kernels](
                     std::span<const Value* const> inputs, const TaskContext& context) -> Value {
            std::vector<Partial> partials(static_cast<std::size_t>(count), kernels::identity(op));
            if (!is_empty(job->box, ndim)) {
              std::vector<std::shared_ptr<NDArray>> keep;
              const kernels::Program program = finish_program(*job, inputs, keep);
              bool axes[kernels::kMaxDims] = {};
              for (int d = 0; d < ndim; ++d) axes[d] = (*reduced)[d];
              chunk_kernels->reduce(context, program, job->box, axes, op, partials.data());
            }
            return PartialsPtr(std::make_shared<const std::vector<Partial>>(std::move(partials)));
          };
        });
    level.push_back(std::make_shared<const TaskNode>(node->name + "-chunk", std::move(dependencies),
                                                     std::move(functions)));
  });

  // 2. Combine along the reduced axes in groups of k per axis (Dask's split_every per axis).
  const int n_reduced = static_cast<int>(reduce.axes.size());
  const int k = std::max(
      2, static_cast<int>(std::pow(reduce.split_every, 1.0 / std::max(1, n_reduced)) + 1e-9));
  auto group_level = [&](const std::string& name, bool last, auto make_task) {
    Index next_nb = level_nb;
    for (int axis : reduce.axes) next_nb[axis] = last ? 1 : (level_nb[axis] + k - 1) / k;
    std::vector<TaskPtr> next;
    for_each_index(next_nb, [&](const Index& group) {
      Index first = group, count(ndim, 1);
      for (int axis : reduce.axes) {
        first[axis] = last ? 0 : group[axis] * k;
        count[axis] =
            last ? level_nb[axis] : std::min<std::int64_t>(k, level_nb[axis] - first[axis]);
      }
      std::vector<TaskPtr> members;
      for_each_index(count, [&](const Index& offset) {
        Index member(ndim);
        for (int d = 0; d < ndim; ++d) member[d] = first[d] + offset[d];
        members.push_back(level[flat_index(member, level_nb)]);
      });
      // Host code over partials a few bytes long: any worker's thread may run it, so a cluster
      // of device workers alone (n_workers = 0) finishes its reductions too.
      next.push_back(std::make_shared<const TaskNode>(node->name + name, std::move(members),
                                                      TaskFunctions::anywhere(make_task(group))));
    });
    level = std::move(next);
    level_nb = next_nb;
  };
  auto needs_combine = [&] {
    for (int axis : reduce.axes)
      if (level_nb[axis] > k) return true;
    return false;
  };
  while (needs_combine())
    group_level("-combine", false, [op](const Index&) {
      return TaskFunction([op](std::span<const Value* const> inputs, const TaskContext&) -> Value {
        return PartialsPtr(
            std::make_shared<const std::vector<Partial>>(combine_inputs(inputs, op)));
      });
    });

  // 3. Aggregate: combine the last group and finish into the output chunk.
  auto grid = std::make_shared<BlockGrid>();
  grid->shape = node->shape;
  grid->chunks = node->chunks;
  grid->dtype = node->dtype;
  const auto out_bounds = boundaries_of(node->chunks);
  const Index out_nb = numblocks(node->chunks);
  auto out_block = [&](const Index& group) {
    Index block;
    for (int d = 0; d < ndim; ++d)
      if (!(*reduced)[d])
        block.push_back(group[d]);
      else if (reduce.keepdims)
        block.push_back(0);
    return block;
  };
  // The aggregate tasks keep what finishing needs, not the expression.
  const DType dtype = node->dtype;
  group_level("-aggregate", true, [&](const Index& group) {
    const Index block = out_block(group);
    const Index extent = extent_of(box_of(out_bounds, block), block.size());
    return TaskFunction([op, extent, dtype, reduce](std::span<const Value* const> inputs,
                                                    const TaskContext&) -> Value {
      const std::vector<Partial> total = combine_inputs(inputs, op);
      auto out = std::make_shared<NDArray>(extent, dtype);
      for (std::size_t i = 0; i < total.size(); ++i) {
        if (kernels::is_integer_reduction(op))  // an int64 partial: int64 output, exact
          out->data<std::int64_t>()[i] = kernels::as_integer(total[i].value);
        else
          store_value(*out, static_cast<std::int64_t>(i), finish_partial(total[i], reduce));
      }
      return out;
    });
  });
  grid->tasks = std::move(level);
  if (static_cast<std::int64_t>(grid->tasks.size()) != product(out_nb))
    throw std::logic_error("reduction produced a block grid of the wrong size");
  return grid;
}

void Lowering::check_chunk_sizes(const Node& node) const {
  if (chunk_limit_ == 0) return;
  const std::uint64_t element = dtype_size(node.dtype);
  std::uint64_t largest = element;
  for (const auto& sizes : node.chunks)
    largest *= static_cast<std::uint64_t>(*std::max_element(sizes.begin(), sizes.end()));
  if (largest <= chunk_limit_) return;
  // Name the first chunk that is too big.
  for_each_index(numblocks(node.chunks), [&](const Index& block) {
    std::uint64_t bytes = element;
    Shape extent;
    for (std::size_t d = 0; d < block.size(); ++d) {
      extent.push_back(node.chunks[d][block[d]]);
      bytes *= static_cast<std::uint64_t>(extent.back());
    }
    if (bytes > chunk_limit_)
      throw std::invalid_argument(
          fmt::format("chunk {} of '{}' has shape {} and takes {} bytes, more than the largest "
                      "worker memory limit of {} "
                      "bytes: no worker can hold it; use smaller chunks",
                      format_shape(block), node.name, format_shape(extent), bytes, chunk_limit_));
  });
}

NDArray assemble(const BlockGrid& grid, const std::vector<std::shared_ptr<NDArray>>& blocks) {
  if (blocks.size() == 1 && blocks[0]->shape() == grid.shape) return *blocks[0];
  NDArray out(grid.shape, grid.dtype);
  const auto bounds = boundaries_of(grid.chunks);
  const Index nb = numblocks(grid.chunks);
  std::size_t b = 0;
  for_each_index(nb, [&](const Index& block) {
    const NDArray& chunk = *blocks[b++];
    Index lo(block.size());
    for (std::size_t d = 0; d < block.size(); ++d) lo[d] = bounds[d][block[d]];
    copy_box(chunk.raw(), chunk.shape(), Index(block.size(), 0), out.raw(), out.shape(), lo,
             chunk.shape(), dtype_size(grid.dtype));
  });
  return out;
}

}  // namespace tessera::detail
