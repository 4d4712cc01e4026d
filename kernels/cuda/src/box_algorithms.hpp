// Internal: evaluating a program over a box, and reducing it in the fixed order of
// reduce_order.hpp, as Thrust algorithms over counting iterators, templated on the execution
// policy. cuda::evaluate and cuda::reduce run them with thrust::cuda::par_nosync; the CPU tests run
// the very same templates with Thrust's OpenMP and sequential systems (compiled by g++ with
// THRUST_DEVICE_SYSTEM=THRUST_DEVICE_SYSTEM_OMP) and compare them with the host kernels. Nothing
// here allocates: callers pass the memory, in the policy's memory space.
//
// The functors point to the Program (in the policy's memory) rather than hold it: Thrust passes a
// functor to its kernels as a parameter, and a Program inside it, indexed by instruction, would be
// copied into every GPU thread's local memory (7 KB each; on an H200 that made p + p run at 23 GB/s
// against 4 TB/s of copy bandwidth).
#pragma once

#include <thrust/for_each.h>
#include <thrust/iterator/counting_iterator.h>

#include <cstdint>
#include <stdexcept>
#include <string>

#include "tessera/kernels/box_grid.hpp"
#include "tessera/kernels/hd.hpp"
#include "tessera/kernels/program.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/program_validate.hpp"
#include "tessera/kernels/reduce_order.hpp"

namespace tessera::kernels::detail {

/// evaluate_box's work: every element of the box, row-major.
struct EvaluatePlan {
  BoxGrid all;
  DType out_type = DType::float64;
};

/// Checks the arguments of an evaluation (std::invalid_argument naming the bad value).
inline EvaluatePlan plan_evaluate(const Program& program, const Box& box, DType out_type) {
  validate(program, box);
  if (out_type > DType::float64) {
    throw std::invalid_argument("tessera::kernels: unknown output dtype " +
                                std::to_string(static_cast<int>(out_type)));
  }
  return {box_grid(program.ndim, box, nullptr, true), out_type};
}

/// One element of the box per call: out[e] = the program at the box's e-th element.
struct EvaluateElements {
  const Program* program;
  BoxGrid all;
  DType out_type;
  void* out;

  TESSERA_HD void operator()(std::int64_t e) const {
    std::int64_t idx[kMaxDims];
    all.place(e, idx);
    store_result(result_is_integer(*program), out_type, out, e, evaluate_element(*program, idx));
  }
};

/// Writes every element of the planned box to `out`, row-major; `program` and `out` are in the
/// policy's memory.
template <class Policy>
void evaluate_box(Policy&& policy, const Program* program, const EvaluatePlan& plan, void* out) {
  thrust::for_each_n(policy, thrust::counting_iterator<std::int64_t>(0), plan.all.size,
                     EvaluateElements{program, plan.all, plan.out_type, out});
}

/// Segments whose lanes one pass of the lane path computes (kReduceLanes partials each: 32 MiB of
/// lane partials per pass); bounds the scratch memory of any reduction, 2^40 elements included.
inline constexpr std::int64_t kLaneBatchSegments = 4096;

/// How reduce_box_segments splits a reduction. Outputs of at most kReduceLanes elements are
/// reduced one thread per output (reduce_in_order: every lane has at most one element, and
/// there are not enough elements to share out). Larger ones take the lane path: one thread per
/// (segment, lane), each writing its lane's partial to scratch, then one thread per segment
/// combining its lanes' partials by the tree, a batch of segments at a time. Both give the
/// segment partials of reduce_order.hpp, so the choice never changes a bit.
struct ReducePlan {
  BoxGrid kept;    ///< the outputs: kept axes, row-major
  BoxGrid folded;  ///< each output's elements: reduced axes, row-major
  ReduceOp op = ReduceOp::sum;
  bool per_output = true;  ///< one thread per output, else the lane path
  /// Partials per output that reduce_box_segments writes: reduce_segments(folded.size) on the
  /// lane path; 1 (the output's) when one thread runs the output's whole fold.
  std::int64_t segments = 1;

  std::int64_t outputs() const { return kept.size; }
  /// Partials reduce_box_segments writes: segment s of output o at o * segments + s.
  std::int64_t segment_partials() const { return kept.size * segments; }
  /// Scratch partials the lane path needs (0 for one thread per output).
  std::int64_t scratch_partials() const {
    if (per_output) return 0;
    const std::int64_t all = segment_partials();
    return (all < kLaneBatchSegments ? all : kLaneBatchSegments) * kReduceLanes;
  }
};

/// Checks the arguments of a reduction (std::invalid_argument naming the bad value) and plans it.
inline ReducePlan plan_reduce(const Program& program, const Box& box, const bool* reduce_axis,
                              ReduceOp op) {
  validate(program, box);
  validate_reduction(program, op);
  ReducePlan plan;
  plan.kept = box_grid(program.ndim, box, reduce_axis, false);
  plan.folded = box_grid(program.ndim, box, reduce_axis, true);
  plan.op = op;
  plan.per_output = plan.folded.size <= kReduceLanes;
  plan.segments = plan.per_output ? 1 : reduce_segments(plan.folded.size);
  return plan;
}

/// The program's value at element j of the output whose kept indices are already in idx.
struct FoldedValue {
  const Program& program;
  const BoxGrid& folded;
  std::int64_t* idx;

  TESSERA_HD TESSERA_INLINE double operator()(std::int64_t j) const {
    folded.place(j, idx);
    return evaluate_element(program, idx);
  }
};

/// One thread per output: the output's whole fixed-order fold.
struct ReduceOutputs {
  const Program* program;
  BoxGrid kept, folded;
  ReduceOp op;
  Partial* out;

  TESSERA_HD void operator()(std::int64_t o) const {
    std::int64_t idx[kMaxDims];
    kept.place(o, idx);
    out[o] = reduce_in_order(folded.size, op, FoldedValue{*program, folded, idx});
  }
};

/// Lane path, pass 1: item t is lane t % kReduceLanes of segment first + t / kReduceLanes
/// (segments numbered o * segments + s); consecutive items read consecutive elements.
struct ReduceLanes {
  const Program* program;
  BoxGrid kept, folded;
  ReduceOp op;
  std::int64_t segments, first;
  Partial* lanes;

  TESSERA_HD void operator()(std::int64_t t) const {
    const std::int64_t g = first + t / kReduceLanes;
    const int lane = static_cast<int>(t % kReduceLanes);
    const std::int64_t s = g % segments;
    std::int64_t idx[kMaxDims];
    kept.place(g / segments, idx);
    const FoldedValue value{*program, folded, idx};
    const std::int64_t base = s * kReduceSegment;
    lanes[t] = reduce_lane(reduce_segment_size(folded.size, s), lane, op,
                           [&](std::int64_t k) { return value(base + k); });
  }
};

/// Lane path, pass 2: item b combines the lane partials of segment first + b by the tree.
struct ReduceLaneTrees {
  const Partial* lanes;
  ReduceOp op;
  std::int64_t n, segments, first;
  Partial* out;

  TESSERA_HD void operator()(std::int64_t b) const {
    const std::int64_t g = first + b;
    const Partial* mine = lanes + b * kReduceLanes;
    out[g] = reduce_lane_tree(reduce_busy_lanes(reduce_segment_size(n, g % segments)), op,
                              [mine](int lane) { return mine[lane]; });
  }
};

/// Writes the plan's segment partials (steps 1-3 of reduce_order.hpp) to segment_partials
/// (plan.segment_partials() of them), using `scratch` (plan.scratch_partials()) for the lanes;
/// these and `program` in the policy's memory. Passes run one after another in the policy's
/// stream or threads.
template <class Policy>
void reduce_box_segments(Policy&& policy, const Program* program, const ReducePlan& plan,
                         Partial* scratch, Partial* segment_partials) {
  const thrust::counting_iterator<std::int64_t> zero(0);
  if (plan.per_output) {
    thrust::for_each_n(policy, zero, plan.outputs(),
                       ReduceOutputs{program, plan.kept, plan.folded, plan.op, segment_partials});
    return;
  }
  const std::int64_t all = plan.segment_partials();
  for (std::int64_t first = 0; first < all; first += kLaneBatchSegments) {
    const std::int64_t count = all - first < kLaneBatchSegments ? all - first : kLaneBatchSegments;
    thrust::for_each_n(
        policy, zero, count * kReduceLanes,
        ReduceLanes{program, plan.kept, plan.folded, plan.op, plan.segments, first, scratch});
    thrust::for_each_n(policy, zero, count,
                       ReduceLaneTrees{scratch, plan.op, plan.folded.size, plan.segments, first,
                                       segment_partials});
  }
}

/// One thread per output: its segments combined in order (step 4).
struct FoldSegments {
  const Partial* segment_partials;
  std::int64_t segments;
  ReduceOp op;
  Partial* out;

  TESSERA_HD void operator()(std::int64_t o) const {
    out[o] = reduce_fold_segments(segment_partials + o * segments, segments, op);
  }
};

/// Step 4 for every output, out[o] from segment_partials[o * segments ...] (policy's memory).
template <class Policy>
void fold_box_segments(Policy&& policy, const ReducePlan& plan, const Partial* segment_partials,
                       Partial* out) {
  thrust::for_each_n(policy, thrust::counting_iterator<std::int64_t>(0), plan.outputs(),
                     FoldSegments{segment_partials, plan.segments, plan.op, out});
}

/// Step 4 on the calling thread, for segment partials in host memory: the same bits as
/// fold_box_segments.
inline void fold_box_segments_here(const ReducePlan& plan, const Partial* segment_partials,
                                   Partial* out) {
  const FoldSegments fold{segment_partials, plan.segments, plan.op, out};
  for (std::int64_t o = 0; o < plan.outputs(); ++o) fold(o);
}

}  // namespace tessera::kernels::detail
