// Index math of the tiled evaluation of 2-D programs with transposed buffer leaves (x + x.T of a
// materialized x): which buffer element each GPU thread stages into shared memory, and which
// output element it then evaluates. Plain TESSERA_HD code, so the CPU tests can run every
// (tile, thread) of a simulated grid and check it; the CUDA kernel only adds the barriers.
//
// A buffer leaf of a 2-D program reads flat = offset + i * stride[0] + j * stride[1] at output
// element (i, j), and the output is row-major (j contiguous). When |stride[0]| < |stride[1]| the
// buffer's contiguous axis is the output's i: threads that evaluate consecutive j would read
// addresses |stride[1]| apart. So each block takes a kTransposeTile x kTransposeTile tile of the
// output and runs two phases with a barrier between them:
//   stage:    thread (tx, ty) reads element (i0 + tx, j0 + ty + p * kTransposeBlockRows) of each
//             transposed leaf for p < kTransposePasses: consecutive tx, consecutive buffer
//             addresses. The value goes to shared tile [j - j0][i - i0].
//   evaluate: thread (tx, ty) evaluates element (i0 + ty + p * kTransposeBlockRows, j0 + tx),
//             taking transposed leaves from shared tile [j - j0][i - i0] and the rest as usual,
//             and writes the output: consecutive tx, consecutive output addresses.
// Tile rows have kTransposeTilePitch = 33 doubles, not 32: the evaluate phase walks a tile
// column, and with a pitch of 32 every thread of a half-warp would hit the same bank.
#pragma once

#include <cstdint>

#include "tessera/kernels/hd.hpp"
#include "tessera/kernels/program.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels {

/// Output elements along each side of a tile.
inline constexpr int kTransposeTile = 32;
/// Doubles per row of a shared tile (one pad element against bank conflicts).
inline constexpr int kTransposeTilePitch = kTransposeTile + 1;
/// Doubles per shared tile.
inline constexpr int kTransposeTileDoubles = kTransposeTile * kTransposeTilePitch;
/// Thread rows of a block; a block has kTransposeTile x kTransposeBlockRows threads.
inline constexpr int kTransposeBlockRows = 8;
/// Elements each thread handles per phase.
inline constexpr int kTransposePasses = kTransposeTile / kTransposeBlockRows;
/// Transposed leaves staged at most (8.4 KB of shared memory each); others are read directly.
inline constexpr int kTransposeMaxStaged = 4;

/// Whether `in` is a buffer leaf of a 2-D program that reads the buffer transposed: its step
/// along the output's rows (axis 0) is nonzero and smaller than its step along axis 1, so the
/// buffer's contiguous axis is the output's axis 0 (a transpose, possibly sliced or reversed).
TESSERA_HD TESSERA_INLINE bool reads_transposed(const Instruction& in, int ndim) {
  if (ndim != 2 || in.op != Op::load_buffer) return false;
  const std::int64_t s0 = in.map.stride[0] < 0 ? -in.map.stride[0] : in.map.stride[0];
  const std::int64_t s1 = in.map.stride[1] < 0 ? -in.map.stride[1] : in.map.stride[1];
  return s0 != 0 && s0 < s1;
}

/// The transposed leaves a program stages: leaf[s] is the instruction staged in shared tile s,
/// slot_of[i] the tile instruction i reads (-1: not staged). Leaves reading the same buffer
/// element for every output element (same data, dtype and map) share a tile.
struct StagedLeaves {
  int count = 0;
  int leaf[kTransposeMaxStaged] = {};
  std::int8_t slot_of[kMaxInstructions] = {};
};

/// The leaves of `program` to stage (none unless the program is 2-D and reads a buffer
/// transposed); at most kTransposeMaxStaged, the first ones in program order.
inline StagedLeaves staged_leaves(const Program& program) {
  StagedLeaves staged;
  for (int i = 0; i < program.size; ++i) {
    staged.slot_of[i] = -1;
    const Instruction& in = program.code[i];
    if (!reads_transposed(in, program.ndim)) continue;
    for (int s = 0; s < staged.count; ++s) {
      const Instruction& other = program.code[staged.leaf[s]];
      if (other.data == in.data && other.dtype == in.dtype && other.map.offset == in.map.offset &&
          other.map.stride[0] == in.map.stride[0] && other.map.stride[1] == in.map.stride[1]) {
        staged.slot_of[i] = static_cast<std::int8_t>(s);
        break;
      }
    }
    if (staged.slot_of[i] < 0 && staged.count < kTransposeMaxStaged) {
      staged.leaf[staged.count] = i;
      staged.slot_of[i] = static_cast<std::int8_t>(staged.count++);
    }
  }
  return staged;
}

/// The tiles of a 2-D box: row-major over tiles, tiles_across per row of tiles; edge tiles are
/// ragged (cut at the box).
struct TransposeTiles {
  std::int64_t lo[2] = {};          ///< the box's first element
  std::int64_t rows = 0, cols = 0;  ///< the box's extents
  std::int64_t tiles_across = 0;    ///< tiles along axis 1
  std::int64_t count = 0;           ///< tiles in all
};

/// The tiling of a non-empty 2-D box.
TESSERA_HD TESSERA_INLINE TransposeTiles transpose_tiles(const Box& box) {
  TransposeTiles t;
  t.lo[0] = box.lo[0];
  t.lo[1] = box.lo[1];
  t.rows = box.hi[0] - box.lo[0];
  t.cols = box.hi[1] - box.lo[1];
  t.tiles_across = (t.cols + kTransposeTile - 1) / kTransposeTile;
  t.count = (t.rows + kTransposeTile - 1) / kTransposeTile * t.tiles_across;
  return t;
}

/// One element a thread handles in a phase: whether it lies in the box, its place in a shared
/// tile ([row][col] = [j - j0][i - i0]), its evaluation-space index and its output position.
struct TileElement {
  bool inside = false;
  int row = 0, col = 0;
  std::int64_t idx[2] = {};
  std::int64_t out = 0;  ///< row-major position in the box
};

/// The element of box-relative (i, j) in tile (i0, j0).
TESSERA_HD TESSERA_INLINE TileElement tile_element(const TransposeTiles& t, std::int64_t i0,
                                                   std::int64_t j0, int di, int dj) {
  TileElement e;
  const std::int64_t i = i0 + di, j = j0 + dj;
  e.inside = i < t.rows && j < t.cols;
  e.row = dj;
  e.col = di;
  e.idx[0] = t.lo[0] + i;
  e.idx[1] = t.lo[1] + j;
  e.out = i * t.cols + j;
  return e;
}

/// Element of tile `tile` that thread (tx, ty) stages in pass p: i varies with tx.
TESSERA_HD TESSERA_INLINE TileElement stage_position(const TransposeTiles& t, std::int64_t tile,
                                                     int tx, int ty, int p) {
  return tile_element(t, tile / t.tiles_across * kTransposeTile,
                      tile % t.tiles_across * kTransposeTile, tx, ty + p * kTransposeBlockRows);
}

/// Element of tile `tile` that thread (tx, ty) evaluates in pass p: j varies with tx.
TESSERA_HD TESSERA_INLINE TileElement evaluate_position(const TransposeTiles& t, std::int64_t tile,
                                                        int tx, int ty, int p) {
  return tile_element(t, tile / t.tiles_across * kTransposeTile,
                      tile % t.tiles_across * kTransposeTile, ty + p * kTransposeBlockRows, tx);
}

/// Stage phase of thread (tx, ty) for tile `tile`: writes its elements of every staged leaf to
/// `shared` (staged.count tiles of kTransposeTileDoubles).
TESSERA_HD inline void stage_tile(const Program& program, const StagedLeaves& staged,
                                  const TransposeTiles& t, std::int64_t tile, int tx, int ty,
                                  double* shared) {
  for (int s = 0; s < staged.count; ++s) {
    const Instruction& in = program.code[staged.leaf[s]];
    for (int p = 0; p < kTransposePasses; ++p) {
      const TileElement e = stage_position(t, tile, tx, ty, p);
      if (!e.inside) continue;
      shared[s * kTransposeTileDoubles + e.row * kTransposeTilePitch + e.col] =
          leaf_value(in, leaf_flat(in.map, 2, e.idx));
    }
  }
}

/// evaluate_element's leaf hook for one element of a tile: staged leaves come from the shared
/// tiles (the values leaf_value gave when staging, so the result is the same bits), the other
/// leaves as usual.
struct StagedLeafLoad {
  const StagedLeaves& staged;
  const double* shared;
  int at;  ///< the element's place in a tile: row * kTransposeTilePitch + col

  TESSERA_HD TESSERA_INLINE double operator()(int i, const Instruction& in,
                                              std::int64_t flat) const {
    const int s = staged.slot_of[i];
    return s < 0 ? leaf_value(in, flat) : shared[s * kTransposeTileDoubles + at];
  }
};

/// Evaluate phase of thread (tx, ty) for tile `tile`: evaluates its elements and writes them to
/// `out` (dtype out_type, row-major over the box).
TESSERA_HD inline void evaluate_tile(const Program& program, const StagedLeaves& staged,
                                     const TransposeTiles& t, std::int64_t tile, int tx, int ty,
                                     const double* shared, DType out_type, void* out) {
  for (int p = 0; p < kTransposePasses; ++p) {
    const TileElement e = evaluate_position(t, tile, tx, ty, p);
    if (!e.inside) continue;
    const StagedLeafLoad load{staged, shared, e.row * kTransposeTilePitch + e.col};
    store_result(result_is_integer(program), out_type, out, e.out,
                 evaluate_element(program, e.idx, load));
  }
}

}  // namespace tessera::kernels
