// The fixed order in which a reduction combines one output's elements, defined once here so that
// every implementation of it (the GPU kernels, the Thrust templates run on CPU threads in the
// tests, and host code that wants the same bits) gives the same result whatever device, grid or
// thread count runs it. Floating-point sums, products and moments depend on the order of their
// operations; this order depends only on the number of elements n folded into the output.
//
// The n elements j = 0 .. n-1 of one output (row-major over the reduced axes) are folded so:
//   1. Segments: segment s holds elements [s * kReduceSegment, min(n, (s + 1) * kReduceSegment)).
//   2. Lanes: lane l (0 <= l < kReduceLanes) of a segment accumulates (accumulate(), from
//      identity()) the segment's elements l, l + kReduceLanes, l + 2 * kReduceLanes, ... in that
//      order. On a GPU the lanes are the threads of a block, so they read consecutive elements.
//   3. Lane tree: the lanes' partials P[0 .. kReduceLanes) combine pairwise with halving strides:
//      for w = kReduceLanes / 2, kReduceLanes / 4, ..., 1: P[l] = combine(P[l], P[l + w]) for
//      l < w (the usual shared-memory tree). The segment's partial is P[0].
//   4. Segments combine in order: combine(...combine(combine(seg 0, seg 1), seg 2)..., seg m-1).
// Empty lanes hold identity() (count 0), which combine() passes through unchanged.
#pragma once

#include <cstdint>

#include "tessera/kernels/hd.hpp"
#include "tessera/kernels/program.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels {

/// Elements per segment (step 1 above).
inline constexpr std::int64_t kReduceSegment = 8192;
/// Lanes per segment (step 2), a power of two; each lane of a full segment folds 32 elements.
inline constexpr int kReduceLanes = 256;
/// log2(kReduceLanes).
inline constexpr int kReduceLaneBits = 8;
static_assert(kReduceLanes == 1 << kReduceLaneBits, "kReduceLanes must be 2^kReduceLaneBits");
static_assert(kReduceSegment % kReduceLanes == 0, "segments hold whole rounds of lanes");

/// Number of segments of an output of n elements (at least one: a box is never empty).
TESSERA_HD TESSERA_INLINE std::int64_t reduce_segments(std::int64_t n) {
  return (n + kReduceSegment - 1) / kReduceSegment;
}

/// Number of elements of segment s of an output of n elements.
TESSERA_HD TESSERA_INLINE std::int64_t reduce_segment_size(std::int64_t n, std::int64_t s) {
  const std::int64_t rest = n - s * kReduceSegment;
  return rest < kReduceSegment ? rest : kReduceSegment;
}

/// Number of lanes holding at least one element in a segment of `size` elements.
TESSERA_HD TESSERA_INLINE int reduce_busy_lanes(std::int64_t size) {
  return size < kReduceLanes ? static_cast<int>(size) : kReduceLanes;
}

/// Lane l's partial (step 2) of a segment of `size` elements whose element k (0 <= k < size) has
/// value value_at(k).
template <class ValueAt>
TESSERA_HD TESSERA_INLINE Partial reduce_lane(std::int64_t size, int lane, ReduceOp op,
                                              const ValueAt& value_at) {
  Partial p = identity(op);
  for (std::int64_t k = lane; k < size; k += kReduceLanes) accumulate(p, value_at(k), op);
  return p;
}

/// The low `bits` bits of x in reverse order.
TESSERA_HD TESSERA_INLINE int reverse_bits(int x, int bits) {
  int r = 0;
  for (int b = 0; b < bits; ++b) r |= ((x >> b) & 1) << (bits - 1 - b);
  return r;
}

/// The lane tree (step 3) of a segment whose first `busy` lanes (1 <= busy <= kReduceLanes) hold
/// elements, lane l's partial being lane_partial(l); the other lanes are empty. Computed by one
/// thread with a stack of log2(kReduceLanes) + 1 partials, visiting each busy lane once:
///  - lanes >= busy are identity(), which combine() passes through, so the strides
///    w >= bit_ceil(busy) change nothing and the tree is that of width bit_ceil(busy);
///  - the halving-stride tree of width W = 2^b combines first the lanes that agree modulo W/2,
///    last the even with the odd lanes: it is the tree of adjacent pairs over the lanes taken in
///    bit-reversed order (lane reverse_bits(r, b) at position r), which a binary counter over
///    positions r = 0 .. W-1 builds left to right, combine(left, right) at every carry.
template <class LanePartial>
TESSERA_HD inline Partial reduce_lane_tree(int busy, ReduceOp op, const LanePartial& lane_partial) {
  int bits = 0;
  while ((1 << bits) < busy) ++bits;
  Partial stack[kReduceLaneBits + 1];
  int top = 0;
  for (int r = 0; r < (1 << bits); ++r) {
    const int lane = reverse_bits(r, bits);
    stack[top++] = lane < busy ? lane_partial(lane) : identity(op);
    for (int carry = r + 1; (carry & 1) == 0; carry >>= 1) {
      --top;
      stack[top - 1] = combine(stack[top - 1], stack[top], op);
    }
  }
  return stack[0];
}

/// The partial of a segment of `size` elements (steps 2 and 3), value_at(k) being its element k.
template <class ValueAt>
TESSERA_HD inline Partial reduce_segment(std::int64_t size, ReduceOp op, const ValueAt& value_at) {
  return reduce_lane_tree(reduce_busy_lanes(size), op,
                          [&](int lane) { return reduce_lane(size, lane, op, value_at); });
}

/// Step 4: the output's partial from its `count` segment partials, in order.
TESSERA_HD TESSERA_INLINE Partial reduce_fold_segments(const Partial* segments, std::int64_t count,
                                                       ReduceOp op) {
  Partial total = segments[0];  // combine(identity(op), s) is s
  for (std::int64_t s = 1; s < count; ++s) total = combine(total, segments[s], op);
  return total;
}

/// The whole order for one output of n elements, value_at(j) being element j: what one thread
/// computes when it reduces an output alone.
template <class ValueAt>
TESSERA_HD inline Partial reduce_in_order(std::int64_t n, ReduceOp op, const ValueAt& value_at) {
  Partial total = identity(op);
  for (std::int64_t s = 0; s * kReduceSegment < n; ++s) {
    const std::int64_t first = s * kReduceSegment;
    const Partial segment = reduce_segment(reduce_segment_size(n, s), op,
                                           [&](std::int64_t k) { return value_at(first + k); });
    total = s == 0 ? segment : combine(total, segment, op);
  }
  return total;
}

}  // namespace tessera::kernels
