#pragma once

#include <fmt/format.h>

#include <string>
#include <system_error>

namespace tessera::detail {

/// std::thread says only "Resource temporarily unavailable": this says which thread, and which
/// limits usually refuse it.
inline std::system_error thread_start_error(const std::system_error& e, const std::string& what) {
  return std::system_error(
      e.code(), fmt::format("cannot start the cluster: cannot start {}; the process may be at its "
                            "limit of threads (ulimit -u, a cgroup's pids.max) or of address "
                            "space (ulimit -v)",
                            what));
}

}  // namespace tessera::detail
