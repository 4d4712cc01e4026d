#pragma once
// Releasing a chain of shared nodes without recursion: an iterative algorithm builds expressions
// and task graphs many thousands of nodes deep, and letting each node's destructor release the
// next would nest one destructor call per node and overflow the stack.

#include <memory>
#include <utility>
#include <vector>

namespace tessera::detail {

/// Drops `owned`. Whenever this drops the last owner of a node, the node's own `children` are
/// taken over first (moved onto a local stack), so its destructor finds nothing left to
/// release. `children(node)` gives the node's vector of owned children, which must be mutable.
template <class Node, class Children>
void release_chain(std::vector<std::shared_ptr<const Node>>& owned, Children children) {
  std::vector<std::shared_ptr<const Node>> pending = std::move(owned);
  owned.clear();
  while (!pending.empty()) {
    std::shared_ptr<const Node> node = std::move(pending.back());
    pending.pop_back();
    if (node.use_count() == 1) {
      auto& orphans = children(*node);
      for (auto& child : orphans) pending.push_back(std::move(child));
      orphans.clear();
    }
  }
}

}  // namespace tessera::detail
