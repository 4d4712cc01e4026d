// Internal: the tile interpreter behind host::evaluate and host::reduce. A box is cut into 2-D
// tiles of its last two dimensions; each instruction of the program runs over a whole tile (a dense
// buffer of doubles, small enough to stay in L1/L2), so elementwise loops vectorize and leaves are
// generated in bulk: random leaves read along the tile's columns or rows cost one Philox call per
// two doubles (uniform_simd.hpp). Values are exactly those of evaluate_element.
#pragma once

#include <cstddef>
#include <cstdint>

#include "simd_level.hpp"
#include "tessera/kernels/program.hpp"
#include "tile_loops.hpp"

namespace tessera::kernels::detail {

inline constexpr int kTileElements = 8192;  // doubles per tile buffer (64 KiB)
inline constexpr int kTileMaxCols = 256;    // columns of a tile with many rows

// How a box is cut into tiles: the last dimension is the tile's columns, the one before it its
// rows; earlier ("outer") dimensions are looped. Missing dimensions (ndim < 2) have extent 1.
struct TileShape {
  int ndim = 0;
  int row_dim = -1, col_dim = -1;    // -1 when absent
  std::int64_t rows = 1, cols = 1;   // extents of the box along them
  int tile_rows = 1, tile_cols = 1;  // the largest tile
};

// The tiling of `box` for a program of `ndim` dimensions.
TileShape tile_shape(int ndim, const Box& box);

// Evaluates one program tile by tile. Holds per-call state only; its buffers are thread-local, so
// use each evaluator from one thread (one per work item).
class TileEvaluator {
 public:
  TileEvaluator(const Program& program, const TileShape& shape, SimdLevel level);

  // The program at rows [row, row + tr) and columns [col, col + tc) (absolute evaluation-space
  // indices) of the outer position `outer` (absolute indices of dimensions 0 .. ndim - 3): tr * tc
  // values, row-major with row stride tc, valid until the next call; or, with `into` (tr * tc
  // doubles, none of the evaluator's buffers), computed there and valid as long as it is.
  const double* run(const std::int64_t* outer, std::int64_t row, std::int64_t col, int tr, int tc,
                    double* into = nullptr);

  // A scratch buffer of kTileElements doubles for the caller, valid like run()'s result.
  double* scratch() const { return scratch_; }

  // The tile loops of this evaluator's instruction set.
  const TileLoops& loops() const { return loops_; }

 private:
  void fill_leaf(const Instruction& in, std::int64_t row_stride, std::int64_t col_stride,
                 std::int64_t base, int tr, int tc, double* tile);
  void fill_uniform(const Instruction& in, std::int64_t sr, std::int64_t sc, std::int64_t base,
                    int tr, int tc, double* tile);

  const Program& program_;
  const TileShape& shape_;
  SimdLevel level_;
  const TileLoops& loops_;
  double* stack_;    // kMaxStack tile buffers
  double* scratch_;  // one more, for the caller
  double* columns_;  // one more, for transposing leaves
};

}  // namespace tessera::kernels::detail
