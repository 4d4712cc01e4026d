#pragma once
// Draws task graphs (dask.visualize): DOT text, or SVG/PNG/PDF through Graphviz.

#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "tessera/delayed.hpp"
#include "tessera/graph.hpp"

namespace tessera {

/// The graph in Graphviz DOT: one node per task (labelled with its task group), one edge per
/// dependency, outputs drawn bold.
std::string to_dot(const Graph& graph);

/// Writes the graph of `outputs` to `filename`; the format follows the extension: .dot/.gv
/// (text), .svg, .png, .pdf (laid out by Graphviz's dot). Throws std::invalid_argument for any
/// other extension and std::runtime_error when the file cannot be written.
void visualize_graph(std::vector<TaskPtr> outputs, const std::string& filename);

namespace detail {
template <class T>
void collect_visualized(std::vector<TaskPtr>& nodes, const Delayed<T>& value) {
  nodes.push_back(value.node());
}
template <class T>
void collect_visualized(std::vector<TaskPtr>& nodes, const std::vector<Delayed<T>>& values) {
  for (const auto& value : values) nodes.push_back(value.node());
}
}  // namespace detail

/// visualize(d1, d2, ..., "graph.svg"): draws the graphs of the given Delayed values, vectors of
/// them, or Arrays into one picture.
template <class... Items>
void visualize(const Items&... items) {
  static_assert(sizeof...(Items) >= 2, "visualize needs at least one value and a filename");
  std::vector<TaskPtr> nodes;
  std::string filename;
  std::size_t index = 0;
  auto take = [&](const auto& item) {
    using Item = std::remove_cvref_t<decltype(item)>;
    ++index;
    if constexpr (std::is_convertible_v<Item, std::string_view>) {
      if (index != sizeof...(Items))
        throw std::invalid_argument("visualize: the filename must be the last argument");
      filename = std::string(std::string_view(item));
    } else {
      using detail::collect_visualized;  // plus overloads found by argument lookup (Array)
      collect_visualized(nodes, item);
    }
  };
  (take(items), ...);
  if (filename.empty()) throw std::invalid_argument("visualize: no filename given");
  visualize_graph(std::move(nodes), filename);
}

}  // namespace tessera
