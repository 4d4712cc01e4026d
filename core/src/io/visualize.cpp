#include "tessera/visualize.hpp"

#include <fmt/format.h>

#if TESSERA_HAVE_GRAPHVIZ
#include <graphviz/cgraph.h>
#include <graphviz/gvc.h>
#endif

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <stdexcept>

#include "tessera/detail/dot_program.hpp"

namespace tessera {
namespace {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out;
}

std::string extension_of(const std::string& filename) {
  std::string ext = std::filesystem::path(filename).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext.empty() ? ext : ext.substr(1);
}

#if TESSERA_HAVE_GRAPHVIZ
// Graphviz keeps global state behind its context: one render at a time, and one context for the
// process. Graphviz 2.43's pango plugin keeps a font cache that outlives gvFreeContext, so a
// second context reads freed memory (found by AddressSanitizer); the context is never freed.
std::mutex graphviz_mutex;

GVC_t* graphviz_context() {
  static GVC_t* context = gvContext();
  return context;
}

void render_with_graphviz(const std::string& dot, const std::string& format,
                          const std::string& filename) {
  std::lock_guard lock(graphviz_mutex);
  GVC_t* context = graphviz_context();
  if (!context) throw std::runtime_error("visualize: cannot start Graphviz");
  std::unique_ptr<Agraph_t, decltype(&agclose)> graph(agmemread(dot.c_str()), &agclose);
  if (!graph) throw std::runtime_error("visualize: Graphviz could not parse the generated DOT");
  if (gvLayout(context, graph.get(), "dot") != 0)
    throw std::runtime_error("visualize: Graphviz layout failed");
  const int rendered = gvRenderFilename(context, graph.get(), format.c_str(), filename.c_str());
  gvFreeLayout(context, graph.get());
  if (rendered != 0)
    throw std::runtime_error(
        fmt::format("visualize: Graphviz could not write '{}' as {}", filename, format));
}
#else
// Built without libgvc: Graphviz's own `dot` program, when one is on PATH, renders the same DOT.
void render_with_graphviz(const std::string& dot, const std::string& format,
                          const std::string& filename) {
  detail::render_with_dot_program(dot, format, filename);
}
#endif

}  // namespace

std::string to_dot(const Graph& graph) {
  std::string dot =
      "digraph tessera {\n  rankdir=BT;\n  node [shape=box, style=rounded, "
      "fontname=\"Helvetica\"];\n";
  std::vector<std::uint8_t> is_output(graph.size(), 0);
  for (std::uint32_t k : graph.outputs) is_output[k] = 1;
  for (std::uint32_t i = 0; i < graph.size(); ++i) {
    const TaskNode& task = *graph.tasks[i];
    dot += fmt::format("  \"{}\" [label=\"{}\", tooltip=\"{}\"{}];\n", escape(task.key()),
                       escape(task.name()), escape(task.key()), is_output[i] ? ", penwidth=2" : "");
  }
  for (std::uint32_t i = 0; i < graph.size(); ++i)
    for (std::uint32_t d : graph.dependencies(i))
      dot += fmt::format("  \"{}\" -> \"{}\";\n", escape(graph.tasks[d]->key()),
                         escape(graph.tasks[i]->key()));
  dot += "}\n";
  return dot;
}

void visualize_graph(std::vector<TaskPtr> outputs, const std::string& filename) {
  const std::string format = extension_of(filename);
  static const char* const kRenderedFormats[] = {"svg", "png", "pdf"};
  const bool text = format == "dot" || format == "gv";
  const bool rendered = std::find(std::begin(kRenderedFormats), std::end(kRenderedFormats),
                                  format) != std::end(kRenderedFormats);
  if (!text && !rendered)
    throw std::invalid_argument(fmt::format(
        "visualize: unsupported file extension '{}' in '{}' (use .svg, .png, .pdf or .dot)", format,
        filename));
  const std::string dot = to_dot(build_graph(std::move(outputs)));
  // Open the file ourselves first: some Graphviz versions exit() when they cannot.
  std::ofstream out(filename);
  if (!out) throw std::runtime_error(fmt::format("visualize: cannot write '{}'", filename));
  if (rendered) {
    out.close();
    return render_with_graphviz(dot, format, filename);
  }
  if (!(out << dot))
    throw std::runtime_error(fmt::format("visualize: cannot write '{}'", filename));
}

}  // namespace tessera
