// Internal: the loops the tile interpreter spends its time in (elementwise operators over a
// tile, affine maps of leaves, the lane accumulators of reductions), compiled once per
// instruction set (tile_loops_impl.hpp) and picked at run time. Every level gives the same bits:
// the loops do the same double operations in the same order, only wider.
#pragma once

#include "simd_level.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels::detail {

// Lane partials of a reduction as arrays: lane k is {value[k], count, mean[k], m2[k]}, every lane
// of a call holding the same count; mean and m2 are used (and may be null otherwise) only for
// ReduceOp::moments, whose partials are the only ones that have them.
struct LaneFields {
  double* value;
  double* mean;
  double* m2;
};

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
  // accumulate(lane k, x[k], op) for k < n (program_eval.hpp's accumulate, to the bit), every
  // lane holding count - 1 values before; with count 1 the lanes start from identity() whatever
  // the arrays hold. The lanes of a reduction's fixed order
  // (reduce_order.hpp) take one value each per round, so a round is one vector loop.
  void (*accumulate_lanes)(ReduceOp op, const LaneFields& lanes, const double* x, int n,
                           double count);
  // a[k] = combine(a[k], b[k], op) for k < n (program_eval.hpp's combine, to the bit), the lanes
  // of a holding count_a values each and those of b count_b, both > 0: a step of the lane tree.
  void (*combine_lanes)(ReduceOp op, const LaneFields& a, const LaneFields& b, int n,
                        double count_a, double count_b);
  // x[k] = op(x[k]) for a unary operator with `integer` set (program_eval.hpp's integer_unary;
  // to_int64: to_int64_lane of a double).
  void (*integer_unary)(Op op, double* x, int n);
  // a[k] = op(a[k], b[k]) for a binary operator of integer lanes (integer_binary). `where` of
  // integer branches is `where`: selecting moves a lane's bits unchanged.
  void (*integer_binary)(Op op, double* a, const double* b, int n);
};

// The loops compiled for `level` (which must be supported).
const TileLoops& tile_loops(SimdLevel level);

// Per-level tables, defined by the tile_loops_*.cpp translation units.
extern const TileLoops kTileLoopsGeneric;
extern const TileLoops kTileLoopsAvx2;
extern const TileLoops kTileLoopsAvx512;

}  // namespace tessera::kernels::detail
