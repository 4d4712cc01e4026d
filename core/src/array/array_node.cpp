#include "array/array_node.hpp"

#include "support/release_chain.hpp"

namespace tessera::detail {

Node::~Node() {
  detail::release_chain(
      inputs, [](const Node& node) -> auto& { return node.inputs; });
}

}  // namespace tessera::detail
