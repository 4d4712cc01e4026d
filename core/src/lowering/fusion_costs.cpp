#include "lowering/fusion_costs.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "lowering/lane_kinds.hpp"

namespace tessera::detail {
namespace {

// Subtrees larger than this become their own segment, which keeps every program within
// kernels::kMaxInstructions (a where of three maximal children plus its casts) and its stack
// within kernels::kMaxStack.
constexpr int kMaxFusedCost = 16;
constexpr int kMaxFusedDepth = 5;

// Reductions, persisted chunks and files are read as regions whatever their inputs.
bool reads_region(const Node& node) {
  return node.is<Node::Reduce>() || node.is<Node::Stored>() || node.is<Node::Files>();
}

}  // namespace

bool FusionCosts::fusible(const NodePtr& root) {
  // Post-order with an explicit stack: a node's cost once all its inputs' costs are known.
  std::vector<std::pair<const Node*, bool>> stack{{root.get(), false}};  // (node, inputs pushed)
  while (!stack.empty()) {
    auto [node, inputs_pushed] = stack.back();
    if (costs_.count(node)) {
      stack.pop_back();
      continue;
    }
    if (!inputs_pushed && !reads_region(*node)) {
      stack.back().second = true;
      for (const NodePtr& input : node->inputs)
        if (!costs_.count(input.get())) stack.emplace_back(input.get(), false);
      continue;
    }
    stack.pop_back();
    costs_.emplace(node, cost_of(*node));
  }
  return fits(costs_.at(root.get()));
}

bool FusionCosts::fits(Cost c) {
  return c.instructions <= kMaxFusedCost && c.depth <= kMaxFusedDepth;
}

FusionCosts::Cost FusionCosts::cost_of(const Node& node) const {
  const Cost one_load{1, 1};
  return std::visit(
      Overloaded{
          [&](const Node::Leaf&) { return one_load; },
          [&](const Node::Stored&) { return one_load; },
          [&](const Node::Files&) { return one_load; },
          [&](const Node::Reduce&) { return one_load; },
          [&](const Node::Transpose&) { return input_cost(*node.inputs[0]); },
          [&](const Node::Slice&) { return input_cost(*node.inputs[0]); },
          [&](const Node::Cast&) {
            Cost c = input_cost(*node.inputs[0]);
            c.instructions += 1;
            return c;
          },
          [&](const Node::Elementwise&) {
            Cost c{2, 0};  // the op and a possible float32 rounding
            for (std::size_t i = 0; i < node.inputs.size(); ++i) {
              Cost in = input_cost(*node.inputs[i]);
              c.instructions += in.instructions + (needs_lane_conversion(node, i) ? 1 : 0);
              c.depth = std::max(c.depth, in.depth + static_cast<int>(i));  // postfix stack height
            }
            return c;
          },
      },
      node.kind);
}

// An input that is too big to fuse costs one load.
FusionCosts::Cost FusionCosts::input_cost(const Node& input) const {
  const Cost c = costs_.at(&input);
  return fits(c) ? c : Cost{1, 1};
}

}  // namespace tessera::detail
