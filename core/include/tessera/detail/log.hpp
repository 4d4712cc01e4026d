#pragma once
// The library's logger: short notices for people at a terminal (library code never writes to
// std::cout). Set TESSERA_LOG=quiet to silence it.

#include <string_view>

namespace tessera {

/// Writes "tessera: warning: <message>" as one line to stderr, unless TESSERA_LOG=quiet.
void log_warning(std::string_view message);

}  // namespace tessera
