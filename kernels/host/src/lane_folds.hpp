// Internal: reductions in the fixed order of reduce_order.hpp (the order of the GPU kernels, so
// that a chunk reduced on a CPU worker has the bits it has on a GPU worker), fed with the values
// the tile evaluator produces. Element j of a segment goes to lane j % kReduceLanes, whose partial
// takes it with accumulate(); the lanes then combine by the halving-stride tree.
//
// A LaneFold folds one or many outputs of n elements each that receive their element j at the same
// time, steps j, j + 1, ... at once: the lanes of consecutive steps are consecutive, and every
// output has its own copy of each lane, so a run of steps within one round of the lanes is one
// vector loop over (lane, output) pairs. With one output the steps are its values as they come
// (a line of a tile); with many, a row of a tile whose columns are kept, or a whole tile.
//
// A fold writes one partial per segment of each output; the caller combines an output's segments
// in order (reduce_fold_segments), so work can be split between threads at segment boundaries.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tessera/kernels/program.hpp"
#include "tessera/kernels/reduce_order.hpp"
#include "tile_loops.hpp"

namespace tessera::kernels::detail {

// Doubles of lane state a LaneFold of `outputs` outputs of n elements each needs.
std::size_t lane_fold_doubles(std::int64_t n, int outputs);

// Lane state for the folds of the calling thread: at least `doubles` doubles, grown on demand,
// valid until the next call on the thread.
double* fold_lanes(std::size_t doubles);

// Where a LaneFold's outputs keep their segment partials: the outputs are rows of `width` in an
// array of row pitch `pitch` (output g at o = (g / width) * pitch + g % width), and segment s of
// output o goes to partials[o * reduce_segments(n) + s].
struct FoldOutputs {
  Partial* partials;
  int width = 1;
  std::int64_t pitch = 0;
};

class LaneFold {
 public:
  // Folds segments first_segment, first_segment + 1, ... of `outputs` outputs of n elements each.
  // `lanes`: lane_fold_doubles(n, outputs) doubles, for this fold only.
  LaneFold(const TileLoops& loops, ReduceOp op, std::int64_t n, int outputs,
           std::int64_t first_segment, const FoldOutputs& to, double* lanes);

  // Folds the next `steps` elements of every output: x[s * outputs + g] is output g's element
  // j + s, j being the first not folded yet; they must not pass the outputs' end. A segment's
  // partials are written when its last step arrives.
  void feed(const double* x, std::int64_t steps);

 private:
  void finish_segment();
  LaneFields at(int lane) const;

  const TileLoops* loops_;
  ReduceOp op_;
  std::int64_t n_;
  int outputs_;
  FoldOutputs to_;
  std::int64_t segment_count_;
  std::int64_t segment_;       // the segment being folded
  std::int64_t size_ = 0;      // its elements
  std::int64_t position_ = 0;  // its steps folded so far
  double* value_;
  double* mean_;
  double* m2_;
};

}  // namespace tessera::kernels::detail
