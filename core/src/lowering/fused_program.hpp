#pragma once
// Builds the kernel program of one fused segment: elementwise ops, transposes, slices and casts
// down to the leaves, with every transpose, slice and broadcast turned into leaf strides.

#include <memory>
#include <vector>

#include "lowering/array_lowering.hpp"
#include "lowering/fusion_costs.hpp"

namespace tessera::detail {

/// How one axis of a node is read while evaluating a segment: node index = offset + step * the
/// evaluation index along `eval`, or the fixed index `offset` when `eval` is -1 (a broadcast
/// size-1 axis, or an axis a position dropped). Transposes permute these, slices compose into
/// them, and at the leaves they become strides.
struct AxisMap {
  int eval = -1;
  std::int64_t offset = 0;
  std::int64_t step = 1;
};

/// A leaf that reads another grid's chunks: a reduction's result, persisted chunks, or a
/// sub-expression too large to fuse. The task gathers the region it needs and points the
/// instruction at it.
struct RegionLeaf {
  int instruction = 0;
  /// The expression read. Lowering turns it into `source` once that is lowered, and drops it.
  NodePtr node;
  /// The layout of the chunks read (and their data when persisted), without their tasks: a
  /// task reaches those through its dependencies, and a task function holding them would chain
  /// one destructor per upstream segment.
  GridPtr source;
  std::vector<AxisMap> source_to_eval;  ///< for each source dim
};

struct FusedProgram {
  kernels::Program program;
  std::vector<RegionLeaf> regions;
  std::vector<std::shared_ptr<const void>> owners;  ///< buffers the program reads
};

/// The program computing `root` over its own index space. Inputs that cannot be fused become
/// regions naming their node, for the caller to lower.
FusedProgram fuse(const NodePtr& root, FusionCosts& costs);

/// Appends the conversion of an int64 result to float64 (NumPy's mean, var and std of int64 take
/// the elements as float64; any and all test them against zero, which the conversion keeps). A
/// program with a double result is left as it is.
void convert_result_to_double(FusedProgram& fused);

/// True when the program reads nothing from host memory (only generated leaves): a GPU can
/// run it without copies. Programs with an integer_power are not: only the host evaluator
/// raises NumPy's error for a negative exponent.
bool is_generated_only(const FusedProgram& fused);

}  // namespace tessera::detail
