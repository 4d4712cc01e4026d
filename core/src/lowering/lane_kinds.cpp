#include "lowering/lane_kinds.hpp"

#include "tessera/kernels/program_eval.hpp"

namespace tessera::detail {

using kernels::Op;

DType operand_dtype(const Node& node, std::size_t input) {
  const Op op = std::get<Node::Elementwise>(node.kind).op;
  if (op == Op::where) return input == 0 ? DType::boolean : node.dtype;
  // Comparisons and logical operators compute in their operands' common dtype.
  if (kernels::yields_truth(op)) {
    return node.inputs.size() == 2 ? promote(node.inputs[0]->dtype, node.inputs[1]->dtype)
                                   : node.inputs[0]->dtype;
  }
  return node.dtype;
}

bool needs_lane_conversion(const Node& node, std::size_t input) {
  return (node.inputs[input]->dtype == DType::int64) !=
         (operand_dtype(node, input) == DType::int64);
}

}  // namespace tessera::detail
