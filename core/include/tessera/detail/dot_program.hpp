#pragma once
// Rendering DOT with Graphviz's `dot` program, for builds without libgvc.

#include <optional>
#include <string>

namespace tessera::detail {

/// The first executable `dot` in the directories of `path` (a PATH value), if any.
std::optional<std::string> find_dot_program(const std::string& path);

/// Writes `dot` rendered as `format` ("svg", "png", "pdf") to `filename` by running
/// `dot -T<format> -o <filename>` (found on $PATH) with the DOT on its standard input. Throws
/// std::runtime_error saying how to get Graphviz when no `dot` is found, and with dot's exit
/// status when it fails.
void render_with_dot_program(const std::string& dot, const std::string& format,
                             const std::string& filename);

}  // namespace tessera::detail
