#include "tessera/detail/log.hpp"

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tessera {

void log_warning(std::string_view message) {
  const char* level = std::getenv("TESSERA_LOG");
  if (level && std::string_view(level) == "quiet") return;
  // One fwrite per line, so lines from concurrent threads do not interleave.
  std::string line = "tessera: warning: ";
  line.append(message);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace tessera
