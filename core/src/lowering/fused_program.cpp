#include "lowering/fused_program.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "lowering/box_copy.hpp"
#include "lowering/lane_kinds.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::detail {
namespace {

using kernels::Op;

class Builder {
 public:
  Builder(FusionCosts& costs, const Shape& eval_shape)
      : costs_(costs), eval_ndim_(static_cast<int>(eval_shape.size())) {}

  FusedProgram build(const NodePtr& root) {
    std::vector<AxisMap> identity(root->shape.size());
    for (std::size_t d = 0; d < identity.size(); ++d) identity[d].eval = static_cast<int>(d);
    emit(root, std::move(identity));
    out_.program.ndim = eval_ndim_;
    return std::move(out_);
  }

 private:
  void push(kernels::Instruction instruction) {
    if (out_.program.size >= kernels::kMaxInstructions)
      throw std::logic_error(
          "fused program exceeds kernels::kMaxInstructions");  // FusionCosts bounds it
    out_.program.code[out_.program.size++] = instruction;
  }
  void push_op(Op op, bool integer = false) {
    kernels::Instruction instruction;
    instruction.op = op;
    instruction.integer = integer;
    push(instruction);
  }

  // NumPy's astype from `from` to `to` (different dtypes) on the top of the stack: int64 lanes
  // convert to doubles by the instruction of the target dtype, doubles to int64 lanes by
  // truncation (to_int64 with `integer`), doubles to doubles by rounding to float32 or bool.
  void push_cast(DType from, DType to) {
    const bool integer = from == DType::int64 || to == DType::int64;
    switch (to) {
      case DType::boolean:
        return push_op(Op::to_bool, integer);
      case DType::int64:
        return push_op(Op::to_int64, true);
      case DType::float32:
        return push_op(Op::to_float32, integer);
      case DType::float64:
        if (integer) push_op(Op::to_float64, true);
        return;
    }
  }

  // Leaf flat index: sum over node dims j of (offset_j + step_j * idx[eval_j]) * stride_j.
  kernels::Affine affine(const Shape& shape, const std::vector<AxisMap>& src) {
    kernels::Affine map;
    const auto strides = row_major_strides(shape);
    for (std::size_t j = 0; j < shape.size(); ++j) {
      map.offset += src[j].offset * strides[j];
      if (src[j].eval >= 0) map.stride[src[j].eval] += src[j].step * strides[j];
    }
    return map;
  }

  void emit_region(const NodePtr& node, const std::vector<AxisMap>& src) {
    RegionLeaf region;
    region.instruction = out_.program.size;
    region.node = node;
    region.source_to_eval = src;
    out_.regions.push_back(std::move(region));
    kernels::Instruction placeholder;  // becomes load_buffer once the task has gathered the region
    placeholder.op = Op::load_buffer;
    placeholder.dtype = node->dtype;
    placeholder.integer = node->dtype == DType::int64;
    push(placeholder);
  }

  // Every operation's result is rounded to its dtype, as NumPy stores it: float32 precision,
  // bools as 0/1 (comparisons already give 0/1). int64 results are int64 lanes, exact already.
  void emit_rounding(Op op, DType dtype) {
    switch (dtype) {
      case DType::float32:
        push_op(Op::to_float32);
        break;
      case DType::boolean:
        if (!kernels::yields_truth(op)) push_op(Op::to_bool);
        break;
      case DType::int64:
      case DType::float64:
        break;
    }
  }

  // Recurses only into inputs that fuse, a few levels at most (each adds instructions, and a
  // fusible subtree has at most kMaxFusedCost); transposes and slices add none, so any number
  // of them may fuse, and they are walked in a loop.
  void emit(NodePtr node, std::vector<AxisMap> src) {
    for (;;) {
      if (const auto* transpose = node->as<Node::Transpose>())
        src = transposed_src(*transpose, src);
      else if (const auto* slice = node->as<Node::Slice>())
        src = sliced_src(*slice, src);
      else
        break;
      NodePtr input = node->inputs[0];
      if (!costs_.fusible(input)) return emit_region(input, src);
      node = std::move(input);
    }
    std::visit(Overloaded{
                   [&](const Node::Leaf& leaf) {
                     kernels::Instruction instruction = leaf.instruction;
                     instruction.map = affine(node->shape, src);
                     if (leaf.buffer_owner) out_.owners.push_back(leaf.buffer_owner);
                     push(instruction);
                   },
                   [&](const Node::Stored&) { emit_region(node, src); },
                   [&](const Node::Files&) { emit_region(node, src); },
                   [&](const Node::Reduce&) { emit_region(node, src); },
                   [](const Node::Transpose&) {},  // walked above
                   [](const Node::Slice&) {},      // walked above
                   [&](const Node::Cast&) {
                     emit_input(node->inputs[0], src);
                     push_cast(node->inputs[0]->dtype, node->dtype);
                   },
                   [&](const Node::Elementwise& elementwise) {
                     emit_elementwise(*node, elementwise.op, src);
                   },
               },
               node->kind);
  }

  void emit_elementwise(const Node& node, Op op, const std::vector<AxisMap>& src) {
    for (std::size_t i = 0; i < node.inputs.size(); ++i) {
      const NodePtr& input = node.inputs[i];
      emit_input(input, broadcast_src(*input, node, src));
      if (needs_lane_conversion(node, i)) push_cast(input->dtype, operand_dtype(node, i));
    }
    // The operands' kind: a where's branches (its condition is always a double).
    const bool integer = operand_dtype(node, node.inputs.size() - 1) == DType::int64;
    // int64 ** int64 refuses negative exponents, as NumPy does.
    push_op(op == Op::power && integer ? Op::integer_power : op, integer);
    emit_rounding(op, node.dtype);
  }

  void emit_input(const NodePtr& input, std::vector<AxisMap> src) {
    if (costs_.fusible(input))
      emit(input, std::move(src));
    else
      emit_region(input, src);
  }

  // Output axis i of a transpose is input axis axes[i].
  static std::vector<AxisMap> transposed_src(const Node::Transpose& transpose,
                                             const std::vector<AxisMap>& src) {
    std::vector<AxisMap> input_src(src.size());
    for (std::size_t i = 0; i < src.size(); ++i) input_src[transpose.axes[i]] = src[i];
    return input_src;
  }

  // A slice reads input index start + step * t, where t reads as src says: the maps compose.
  static std::vector<AxisMap> sliced_src(const Node::Slice& slice,
                                         const std::vector<AxisMap>& src) {
    std::vector<AxisMap> input_src;
    std::size_t kept = 0;
    for (const SliceAxis& axis : slice.axes) {
      if (!axis.kept) {
        input_src.push_back({-1, axis.start, 1});
        continue;
      }
      const AxisMap& t = src[kept++];
      input_src.push_back({t.eval, axis.start + axis.step * t.offset, axis.step * t.step});
    }
    return input_src;
  }

  // Right-aligned broadcasting: a size-1 input dim against a larger output dim reads index 0.
  static std::vector<AxisMap> broadcast_src(const Node& input, const Node& output,
                                            const std::vector<AxisMap>& src) {
    const std::size_t shift = output.shape.size() - input.shape.size();
    std::vector<AxisMap> input_src(input.shape.size());
    for (std::size_t j = 0; j < input.shape.size(); ++j)
      input_src[j] =
          input.shape[j] == 1 && output.shape[j + shift] != 1 ? AxisMap{} : src[j + shift];
    return input_src;
  }

  FusionCosts& costs_;
  int eval_ndim_;
  FusedProgram out_;
};

}  // namespace

FusedProgram fuse(const NodePtr& root, FusionCosts& costs) {
  return Builder(costs, root->shape).build(root);
}

void convert_result_to_double(FusedProgram& fused) {
  kernels::Program& program = fused.program;
  if (!kernels::result_is_integer(program)) return;
  if (program.size >= kernels::kMaxInstructions)
    throw std::logic_error("fused program exceeds kernels::kMaxInstructions");
  kernels::Instruction convert;
  convert.op = Op::to_float64;
  convert.integer = true;
  program.code[program.size++] = convert;
}

bool is_generated_only(const FusedProgram& fused) {
  if (!fused.regions.empty()) return false;
  for (int i = 0; i < fused.program.size; ++i) {
    const Op op = fused.program.code[i].op;
    if (op == Op::load_buffer) return false;
    // Only the host evaluator reports a negative integer exponent (GPU kernels give NaN).
    if (op == Op::integer_power) return false;
  }
  return true;
}

}  // namespace tessera::detail
