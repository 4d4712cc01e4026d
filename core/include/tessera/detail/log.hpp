#pragma once
// The library's logger: short notices for people at a terminal (library code never writes to
// std::cout). Set TESSERA_LOG=quiet to silence it.

#include <string>
#include <string_view>

namespace tessera {

/// Writes "tessera: warning: <message>" as one line to stderr, unless TESSERA_LOG=quiet. Under
/// MPI the line names the rank: "tessera [1/4 node07]: warning: <message>".
void log_warning(std::string_view message);

namespace detail {
/// What log lines carry after "tessera" from now on ("[rank/size host]"; an MPI cluster sets it).
void set_log_prefix(std::string prefix);
}  // namespace detail

}  // namespace tessera
