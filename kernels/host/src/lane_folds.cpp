// The fixed-order folds. The lanes accumulate and combine through the per-level vector loops of
// tile_loops.hpp, which run accumulate() and combine() themselves: every operation is the
// reference's.
#include "lane_folds.hpp"

#include <algorithm>
#include <vector>

#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels::detail {
namespace {

// Lane l's count in a segment of `size` elements, for l < reduce_busy_lanes(size).
double lane_count(std::int64_t size, int lane) {
  return static_cast<double>(size / kReduceLanes + (lane < size % kReduceLanes ? 1 : 0));
}

// Lane partials as arrays: lane l of output g at l * outputs + g, lane l's count (the same for
// every output) at count[l].
struct LaneArrays {
  ReduceOp op;
  double* value;
  double* mean;  // moments only
  double* m2;    // moments only
  int outputs;
  double* count;

  // Lanes l, l + 1, ... of every output, as consecutive entries.
  LaneFields at(int lane) const {
    const std::int64_t offset = static_cast<std::int64_t>(lane) * outputs;
    if (op != ReduceOp::moments) return {value + offset, nullptr, nullptr};
    return {value + offset, mean + offset, m2 + offset};
  }

  // Output g's partial in lane 0.
  Partial first(int g) const {
    Partial p;
    p.value = value[g];
    p.count = count[0];
    if (op == ReduceOp::moments) {
      p.mean = mean[g];
      p.m2 = m2[g];
    }
    return p;
  }
};

// Step 3 of reduce_order.hpp for every output: for w = kReduceLanes / 2, ..., 1, lane l combines
// lane l + w into itself for l < w. Lanes from `busy` on are empty, and combine() passes an empty
// operand through, so only the pairs with l + w < busy change anything (a lane below busy is
// never empty). Pairs of lanes with the same two counts go to one vector loop. Lane 0 ends up
// with the segment's partial.
void lane_tree(const TileLoops& loops, const LaneArrays& lanes, int busy) {
  double* count = lanes.count;
  for (int w = kReduceLanes / 2; w >= 1; w /= 2) {
    const int pairs = std::min(w, busy - w);
    for (int l0 = 0; l0 < pairs;) {
      int l1 = l0 + 1;
      while (l1 < pairs && count[l1] == count[l0] && count[l1 + w] == count[l0 + w]) ++l1;
      loops.combine_lanes(lanes.op, lanes.at(l0), lanes.at(l0 + w), (l1 - l0) * lanes.outputs,
                          count[l0], count[l0 + w]);
      for (int l = l0; l < l1; ++l) count[l] += count[l + w];
      l0 = l1;
    }
  }
}

}  // namespace

std::size_t lane_fold_doubles(std::int64_t n, int outputs) {
  return 3 * static_cast<std::size_t>(reduce_busy_lanes(n)) * static_cast<std::size_t>(outputs);
}

double* fold_lanes(std::size_t doubles) {
  thread_local std::vector<double> lanes;
  if (lanes.size() < doubles) lanes.resize(doubles);
  return lanes.data();
}

LaneFold::LaneFold(const TileLoops& loops, ReduceOp op, std::int64_t n, int outputs,
                   std::int64_t first_segment, const FoldOutputs& to, double* lanes)
    : loops_(&loops),
      op_(op),
      n_(n),
      outputs_(outputs),
      to_(to),
      segment_count_(reduce_segments(n)),
      segment_(first_segment),
      size_(reduce_segment_size(n, first_segment)) {
  const std::int64_t field = static_cast<std::int64_t>(reduce_busy_lanes(n)) * outputs;
  value_ = lanes;
  mean_ = lanes + field;
  m2_ = lanes + 2 * field;
}

LaneFields LaneFold::at(int lane) const {
  const std::int64_t offset = static_cast<std::int64_t>(lane) * outputs_;
  if (op_ != ReduceOp::moments) return {value_ + offset, nullptr, nullptr};
  return {value_ + offset, mean_ + offset, m2_ + offset};
}

void LaneFold::feed(const double* x, std::int64_t steps) {
  while (steps > 0) {
    // Steps within one round of the lanes: their lanes are consecutive rows of the lane arrays,
    // as the steps are of x, and all have the same count, so they make one vector loop. A
    // segment's first round starts its lanes afresh (accumulate_lanes with count 1).
    const int lane = static_cast<int>(position_ % kReduceLanes);
    const std::int64_t run =
        std::min({steps, std::int64_t{kReduceLanes - lane}, size_ - position_});
    loops_->accumulate_lanes(op_, at(lane), x, static_cast<int>(run * outputs_),
                             static_cast<double>(position_ / kReduceLanes + 1));
    x += run * outputs_;
    steps -= run;
    position_ += run;
    if (position_ == size_) finish_segment();
  }
}

void LaneFold::finish_segment() {
  const int busy = reduce_busy_lanes(size_);
  double count[kReduceLanes];
  for (int l = 0; l < busy; ++l) count[l] = lane_count(size_, l);
  const LaneArrays lanes{op_, value_, mean_, m2_, outputs_, count};
  lane_tree(*loops_, lanes, busy);
  for (int g = 0; g < outputs_; ++g) {
    const std::int64_t o = (g / to_.width) * to_.pitch + g % to_.width;
    to_.partials[o * segment_count_ + segment_] = lanes.first(g);
  }
  ++segment_;
  position_ = 0;
  if (segment_ < segment_count_) size_ = reduce_segment_size(n_, segment_);
}

}  // namespace tessera::kernels::detail
