#pragma once
// What this Tessera was built with: its version and the optional components compiled in, as
// `tessera info`, the dashboard's /api/v1/status and find_package(Tessera COMPONENTS ...) name
// them.

#include <string>
#include <vector>

namespace tessera {

struct BuildInfo {
  std::string version;     ///< "0.1.0"
  bool cuda = false;       ///< GPU kernels and GPU workers (nvcc was found)
  bool dashboard = false;  ///< the web dashboard and /metrics (TESSERA_WITH_DASHBOARD)
  bool graphviz = false;   ///< visualize() renders with libgvc (else a `dot` program on PATH)
  bool hwloc = false;      ///< topology from hwloc (else sysfs)
  bool lz4 = false;        ///< LZ4-compressed spill files (else uncompressed)
  bool mpi = false;        ///< MPICluster over Open MPI (library tessera::mpi)

  /// The names of the components built, in the order above ("cuda", "dashboard", ...).
  std::vector<std::string> components() const;
};

/// This library's build.
const BuildInfo& build_info();

}  // namespace tessera
