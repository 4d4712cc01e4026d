// The tile loops compiled for AVX2 (per-function target attribute; chosen at run time).
#if defined(__x86_64__) || defined(__i386__)
#define TESSERA_TILE_TARGET __attribute__((target("avx2")))
#define TESSERA_TILE_NAMESPACE avx2_loops
#include "tile_loops_impl.hpp"

namespace tessera::kernels::detail {
const TileLoops kTileLoopsAvx2 = TESSERA_TILE_NAMESPACE::table();
}  // namespace tessera::kernels::detail
#endif
