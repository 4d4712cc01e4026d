// The tile loops for any CPU (baseline instruction set).
#define TESSERA_TILE_TARGET
#define TESSERA_TILE_NAMESPACE generic_loops
#include "tile_loops_impl.hpp"

namespace tessera::kernels::detail {
const TileLoops kTileLoopsGeneric = TESSERA_TILE_NAMESPACE::table();
}  // namespace tessera::kernels::detail
