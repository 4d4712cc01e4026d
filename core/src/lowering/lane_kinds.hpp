#pragma once
// Which kind of kernel lane an elementwise operation computes in: int64 values as int64 lanes
// (exact, wrapping around as NumPy's int64 arithmetic does), everything else as doubles
// (kernels/common/.../program.hpp). An operand of the other kind is converted first, where NumPy
// converts it: int64 + float64 converts the int64 to float64, bool + int64 the bool to int64.
// Lowering (fused_program.cpp) emits those conversions and fusion costs (fusion_costs.cpp)
// count them.

#include <cstddef>

#include "array/array_node.hpp"

namespace tessera::detail {

/// The dtype elementwise `node` computes its input `input` in: the condition of a where as bool,
/// the operands of comparisons and logical operators as their common dtype, those of anything
/// else as the node's own dtype.
DType operand_dtype(const Node& node, std::size_t input);

/// Whether input `input` of elementwise `node` reaches it in the other kind of lane, and so
/// needs one conversion instruction.
bool needs_lane_conversion(const Node& node, std::size_t input);

}  // namespace tessera::detail
