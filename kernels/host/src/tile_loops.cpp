// Run-time choice of the tile loops.
#include "tile_loops.hpp"

namespace tessera::kernels::detail {

const TileLoops& tile_loops(SimdLevel level) {
#if defined(__x86_64__) || defined(__i386__)
  if (level == SimdLevel::avx512) return kTileLoopsAvx512;
  if (level == SimdLevel::avx2) return kTileLoopsAvx2;
#endif
  return kTileLoopsGeneric;
}

}  // namespace tessera::kernels::detail
