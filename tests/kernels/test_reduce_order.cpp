// The fixed reduction order (reduce_order.hpp): its one-thread implementation (the bit-reversed
// stack walk of the lane tree, reduce_in_order) against the plain description
// (fixed_order_reference.hpp), bit for bit, at every number of busy lanes and around every
// segment boundary; and a check that the order matters, so exact equality means something.
#include "tessera/kernels/reduce_order.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "fixed_order_reference.hpp"

namespace tessera::kernels {
namespace {

using testing::fixed_order_fold;
using testing::same_partial;

constexpr ReduceOp kOps[] = {ReduceOp::sum, ReduceOp::prod, ReduceOp::min,    ReduceOp::max,
                             ReduceOp::any, ReduceOp::all,  ReduceOp::moments};

// Values whose sums and products depend on the order: magnitudes over many binades, signs mixed,
// some zeros (any/all), for moments a large common offset.
std::vector<double> order_sensitive_values(std::int64_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::uniform_int_distribution<int> e(-30, 30), zero(0, 40);
  std::vector<double> v(n);
  for (double& x : v) x = zero(rng) == 0 ? 0.0 : 1e6 + std::ldexp(u(rng), e(rng));
  return v;
}

// Product-friendly values: near 1, so products neither overflow nor underflow over 10^5 terms.
std::vector<double> near_one_values(std::int64_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.999, 1.001);
  std::vector<double> v(n);
  for (double& x : v) x = u(rng);
  return v;
}

TEST(ReduceOrder, SegmentsAndLanes) {
  EXPECT_EQ(reduce_segments(1), 1);
  EXPECT_EQ(reduce_segments(kReduceSegment), 1);
  EXPECT_EQ(reduce_segments(kReduceSegment + 1), 2);
  EXPECT_EQ(reduce_segments(std::int64_t{1} << 40), (std::int64_t{1} << 40) / kReduceSegment);
  EXPECT_EQ(reduce_segment_size(kReduceSegment + 5, 0), kReduceSegment);
  EXPECT_EQ(reduce_segment_size(kReduceSegment + 5, 1), 5);
  EXPECT_EQ(reduce_busy_lanes(1), 1);
  EXPECT_EQ(reduce_busy_lanes(kReduceLanes + 1), kReduceLanes);
  EXPECT_EQ(reverse_bits(1, 8), 128);
  EXPECT_EQ(reverse_bits(0b1101, 4), 0b1011);
}

// The stack walk equals the halving-stride loop for every number of busy lanes, on lane partials
// whose combination order shows in the bits.
TEST(ReduceOrder, LaneTreeMatchesHalvingStrides) {
  for (ReduceOp op : {ReduceOp::sum, ReduceOp::prod, ReduceOp::moments}) {
    for (int busy = 1; busy <= kReduceLanes; ++busy) {
      const std::vector<double> v =
          op == ReduceOp::prod ? near_one_values(busy, busy) : order_sensitive_values(busy, busy);
      std::vector<Partial> lanes(kReduceLanes, identity(op));
      for (int l = 0; l < busy; ++l) accumulate(lanes[l], v[l], op);
      const Partial walked = reduce_lane_tree(busy, op, [&](int l) { return lanes[l]; });
      for (int w = kReduceLanes / 2; w >= 1; w /= 2) {
        for (int l = 0; l < w; ++l) lanes[l] = combine(lanes[l], lanes[l + w], op);
      }
      ASSERT_TRUE(same_partial(walked, lanes[0])) << "op " << int(op) << " busy " << busy;
    }
  }
}

// reduce_in_order over 1 .. several segments, at and around lane and segment boundaries.
TEST(ReduceOrder, InOrderMatchesDescription) {
  const std::int64_t sizes[] = {
      1,    2,    3,     kReduceLanes - 1, kReduceLanes, kReduceLanes + 1, 1000, 8191,
      8192, 8193, 16384, 3 * 8192 + 17,    70001};
  for (ReduceOp op : kOps) {
    for (std::int64_t n : sizes) {
      const std::vector<double> v =
          op == ReduceOp::prod ? near_one_values(n, n) : order_sensitive_values(n, n);
      const Partial got = reduce_in_order(n, op, [&](std::int64_t j) { return v[j]; });
      const Partial want = fixed_order_fold(v.data(), n, op);
      ASSERT_TRUE(same_partial(got, want)) << "op " << int(op) << " n " << n;
      EXPECT_EQ(got.count, static_cast<double>(n));
    }
  }
}

// Segment partials folded in order equal the whole fold.
TEST(ReduceOrder, FoldSegmentsInOrder) {
  const std::int64_t n = 5 * kReduceSegment + 999;
  const std::vector<double> v = order_sensitive_values(n, 7);
  std::vector<Partial> segments;
  for (std::int64_t s = 0; s < reduce_segments(n); ++s) {
    const double* first = v.data() + s * kReduceSegment;
    segments.push_back(reduce_segment(reduce_segment_size(n, s), ReduceOp::moments,
                                      [&](std::int64_t k) { return first[k]; }));
  }
  const Partial folded = reduce_fold_segments(
      segments.data(), static_cast<std::int64_t>(segments.size()), ReduceOp::moments);
  EXPECT_TRUE(same_partial(folded, fixed_order_fold(v.data(), n, ReduceOp::moments)));
}

// The order shows in the bits (a plain left-to-right sum differs), so the exact comparisons of
// the kernels with the reference would catch a kernel that combined in another order.
TEST(ReduceOrder, OrderChangesBits) {
  const std::int64_t n = 3 * kReduceSegment + 5;
  const std::vector<double> v = order_sensitive_values(n, 11);
  Partial plain = identity(ReduceOp::sum);
  for (double x : v) accumulate(plain, x, ReduceOp::sum);
  const Partial fixed = fixed_order_fold(v.data(), n, ReduceOp::sum);
  EXPECT_NE(plain.value, fixed.value);
  EXPECT_NEAR(plain.value, fixed.value, 2 * n * 0x1p-52 * 1.1e6 * n);
}

}  // namespace
}  // namespace tessera::kernels
