#include "array/array_node.hpp"

#include "release_chain.hpp"

namespace tessera::array_detail {

Node::~Node() {
  detail::release_chain(
      inputs, [](const Node& node) -> auto& { return node.inputs; });
}

}  // namespace tessera::array_detail
