// Internal: folding an evaluated tile into reduction partials without materializing the box.
#pragma once

#include "tessera/kernels/program.hpp"
#include "tile_loops.hpp"

namespace tessera::kernels::detail {

// Folds a tile (tr x tc values, row stride tc) into partials: the value at (r, c) goes to
// slots[(row_kept ? r : 0) * slot_stride + (col_kept ? c : 0)]. Whole tiles and rows make one
// partial each (lanes of shifted sums for moments), columns one per column; each then combines
// into its slot. `scratch` holds at least 2 * tc doubles.
void reduce_tile(const TileLoops& loops, const double* tile, int tr, int tc, bool row_kept,
                 bool col_kept, ReduceOp op, Partial* slots, long slot_stride, double* scratch);

}  // namespace tessera::kernels::detail
