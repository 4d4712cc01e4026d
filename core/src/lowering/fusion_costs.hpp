#pragma once
// Which nodes of an expression fuse into their consumers' kernels (one kernel per output chunk:
// fused operations pass values along inside the kernel instead of through chunk-sized
// temporaries) and which become segments of their own, read by their consumers as regions.

#include <unordered_map>

#include "array/array_node.hpp"

namespace tessera::detail {

/// What fusing a node into its consumer's kernel would cost, each node's computed once per
/// lowering, without recursion: an iterative algorithm's expression is thousands of steps deep.
class FusionCosts {
 public:
  /// Whether `node` fuses into its consumer's kernel; if not, it is a segment of its own whose
  /// chunks the consumer reads as a region. The limits keep every program within
  /// kernels::kMaxInstructions and its stack within kernels::kMaxStack.
  bool fusible(const NodePtr& node);

 private:
  struct Cost {
    int instructions;
    int depth;  ///< postfix stack height
  };
  static bool fits(Cost c);
  Cost cost_of(const Node& node) const;  // its inputs' costs known
  Cost input_cost(const Node& input) const;
  std::unordered_map<const Node*, Cost> costs_;
};

}  // namespace tessera::detail
