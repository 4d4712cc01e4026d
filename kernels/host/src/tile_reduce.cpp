// Tile reductions: the four ways a tile's rows and columns map to output partials.
#include "tile_reduce.hpp"

#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels::detail {

void reduce_tile(const TileLoops& loops, const double* tile, int tr, int tc, bool row_kept,
                 bool col_kept, ReduceOp op, Partial* slots, long slot_stride, double* scratch) {
  if (!row_kept && !col_kept) {
    slots[0] = combine(slots[0], loops.block_partial(tile, tr * tc, op), op);
  } else if (!col_kept) {
    for (int r = 0; r < tr; ++r) {
      Partial& slot = slots[r * slot_stride];
      slot = combine(slot, loops.block_partial(tile + r * tc, tc, op), op);
    }
  } else if (!row_kept) {
    loops.column_partials(tile, tr, tc, op, slots, scratch);
  } else {  // every element is its own output: it only folds along outer dimensions
    for (int r = 0; r < tr; ++r) {
      Partial* row = slots + r * slot_stride;
      for (int c = 0; c < tc; ++c) accumulate(row[c], tile[r * tc + c], op);
    }
  }
}

}  // namespace tessera::kernels::detail
