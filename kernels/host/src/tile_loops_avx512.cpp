// The tile loops compiled for AVX-512 F + DQ (per-function target attribute; chosen at run time).
#if defined(__x86_64__) || defined(__i386__)
#define TESSERA_TILE_TARGET __attribute__((target("avx512f,avx512dq")))
#define TESSERA_TILE_NAMESPACE avx512_loops
#include "tile_loops_impl.hpp"

namespace tessera::kernels::detail {
const TileLoops kTileLoopsAvx512 = TESSERA_TILE_NAMESPACE::table();
}  // namespace tessera::kernels::detail
#endif
