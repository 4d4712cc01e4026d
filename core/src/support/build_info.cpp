#include "tessera/build_info.hpp"

#include "tessera/kernels/cuda_device.hpp"

// Whether CUDA kernels were built, the kernels say; the other TESSERA_HAVE_* values come from
// CMake's component checks (TesseraComponents.cmake), set on this file alone so that nothing else
// can come to depend on them by accident.
namespace tessera {

std::vector<std::string> BuildInfo::components() const {
  std::vector<std::string> names;
  for (const auto& [name, built] : {std::pair{"cuda", cuda},
                                    {"dashboard", dashboard},
                                    {"graphviz", graphviz},
                                    {"hwloc", hwloc},
                                    {"lz4", lz4},
                                    {"mpi", mpi}})
    if (built) names.emplace_back(name);
  return names;
}

const BuildInfo& build_info() {
  static const BuildInfo kBuildInfo{.version = TESSERA_VERSION,
                                    .cuda = kernels::cuda_kernels_built(),
                                    .dashboard = TESSERA_HAVE_DASHBOARD != 0,
                                    .graphviz = TESSERA_HAVE_GRAPHVIZ != 0,
                                    .hwloc = TESSERA_HAVE_HWLOC != 0,
                                    .lz4 = TESSERA_HAVE_LZ4 != 0,
                                    .mpi = TESSERA_HAVE_MPI != 0};
  return kBuildInfo;
}

}  // namespace tessera
