// Internal: the loops the tile interpreter spends its time in (elementwise operators over a
// tile, affine maps of leaves, tile reductions), compiled once per instruction set
// (tile_loops_impl.hpp) and picked at run time. Every level gives the same bits: the loops do the
// same double operations in the same order, only wider (reductions keep a fixed number of lanes).
#pragma once

#include "simd_level.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::detail {

struct TileLoops {
  // x[k] = op(x[k]) for a unary operator.
  void (*unary)(Op op, double* x, int n);
  // a[k] = op(a[k], b[k]) for a binary operator.
  void (*binary)(Op op, double* a, const double* b, int n);
  // a[k] = a[k] != 0 ? b[k] : c[k].
  void (*where)(double* a, const double* b, const double* c, int n);
  // x[k] = a + scale * x[k] (a leaf's affine map).
  void (*scale_shift)(double* x, int n, double a, double scale);
  // tile[r * tc + c] = column_major[c * tr + r].
  void (*transpose)(const double* column_major, int tr, int tc, double* tile);
  // The partial of x[0 .. n) (n >= 1); moments from shifted sums, the first value as shift.
  Partial (*block_partial)(const double* x, int n, ReduceOp op);
  // slots[c] = combine(slots[c], partial of column c of a tr x tc tile); scratch: 2 * tc doubles.
  void (*column_partials)(const double* tile, int tr, int tc, ReduceOp op, Partial* slots,
                          double* scratch);
};

// The loops compiled for `level` (which must be supported).
const TileLoops& tile_loops(SimdLevel level);

// Per-level tables, defined by the tile_loops_*.cpp translation units.
extern const TileLoops kTileLoopsGeneric;
extern const TileLoops kTileLoopsAvx2;
extern const TileLoops kTileLoopsAvx512;

}  // namespace tessera::kernels::detail
