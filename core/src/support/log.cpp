#include "tessera/detail/log.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace tessera {
namespace {
// Set once per process by an MPI cluster and never freed: worker threads may be logging.
std::atomic<const std::string*> line_prefix{nullptr};
}  // namespace

void log_warning(std::string_view message) {
  const char* level = std::getenv("TESSERA_LOG");
  if (level && std::string_view(level) == "quiet") return;
  // One fwrite per line, so lines from concurrent threads do not interleave.
  std::string line = "tessera";
  if (const std::string* prefix = line_prefix.load(std::memory_order_acquire))
    line.append(" ").append(*prefix);
  line.append(": warning: ");
  line.append(message);
  line.push_back('\n');
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

void detail::set_log_prefix(std::string prefix) {
  line_prefix.store(new std::string(std::move(prefix)), std::memory_order_release);
}

}  // namespace tessera
