// host::reduce follows the fixed reduction order of reduce_order.hpp exactly: bit for bit the
// partials of the plain description (fixed_order_reference.hpp), which the GPU kernels are held to
// as well, so a chunk reduced on a CPU worker has the bits it has on a GPU worker. Random programs
// (every ReduceOp, random kept axes, every instruction set) and the shapes that take each of the
// host's paths: full reductions of lines narrower and wider than a tile, over several work items;
// kept rows with and without reduced outer axes; kept columns, with the rows reduced or kept;
// outputs of one element, of fewer than 256, of more than one segment, and of sizes that are no
// multiple of 256 or 8192. And a check that a left-to-right sum differs on such data, so these
// comparisons can fail.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <random>
#include <string>
#include <vector>

#include "fixed_order_reference.hpp"
#include "program_reference.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/host/simd.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/reduce_order.hpp"

namespace tessera::kernels {
namespace {

using testing::Case;
using testing::CaseGenerator;
using testing::same_partial;

constexpr std::initializer_list<ReduceOp> kAllOps = {
    ReduceOp::sum, ReduceOp::prod, ReduceOp::min,    ReduceOp::max,
    ReduceOp::any, ReduceOp::all,  ReduceOp::moments};

std::string axes_name(const bool* reduced, int ndim) {
  std::string s;
  for (int d = 0; d < ndim; ++d) s += reduced == nullptr || reduced[d] ? 'r' : 'k';
  return s;
}

// The values of each output in the fixed order's numbering (row-major over the reduced axes),
// from the per-element reference: evaluated once, folded for every op.
std::vector<std::vector<double>> output_values(const Case& c, const bool* reduced) {
  const int nd = c.program.ndim;
  bool all[kMaxDims];
  for (int d = 0; d < kMaxDims; ++d) all[d] = reduced == nullptr || reduced[d];
  std::vector<std::vector<double>> values(testing::kept_size(c.box, nd, all));
  testing::for_each_index(c.box, nd, [&](const std::int64_t* idx) {
    values[testing::kept_index(c.box, nd, all, idx)].push_back(evaluate_element(c.program, idx));
  });
  return values;
}

// host::reduce (at `level`) against the fixed order for each of `ops`; false after the first
// mismatch.
bool expect_fixed_order(const Case& c, const bool* reduced,
                        std::initializer_list<ReduceOp> ops = kAllOps,
                        host::SimdLevel level = host::best_simd_level()) {
  const std::vector<std::vector<double>> values = output_values(c, reduced);
  for (ReduceOp op : ops) {
    std::vector<Partial> got(values.size() + 1);
    got.back().count = -7;  // past the outputs: must stay untouched
    host::reduce_at(c.program, c.box, reduced, op, got.data(), level);
    EXPECT_EQ(got.back().count, -7) << c.description;
    for (std::size_t o = 0; o < values.size(); ++o) {
      const auto n = static_cast<std::int64_t>(values[o].size());
      const Partial want = testing::fixed_order_fold(values[o].data(), n, op);
      if (!same_partial(got[o], want)) {
        ADD_FAILURE() << c.description << ", axes " << axes_name(reduced, c.program.ndim) << ", op "
                      << static_cast<int>(op) << ", level " << static_cast<int>(level)
                      << ", output " << o << " of " << values.size() << " (" << n
                      << " elements): value " << got[o].value << " vs " << want.value << ", mean "
                      << got[o].mean << " vs " << want.mean << ", m2 " << got[o].m2 << " vs "
                      << want.m2 << ", count " << got[o].count << " vs " << want.count;
        return false;
      }
    }
  }
  return true;
}

TEST(ArrayHostOrder, RandomProgramsFollowTheFixedOrder) {
  CaseGenerator gen(20250611);
  for (int i = 0; i < 150; ++i) {
    const Case c = gen.next(20000);
    bool reduced[kMaxDims] = {};
    for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
    ASSERT_TRUE(expect_fixed_order(c, reduced));
    ASSERT_TRUE(expect_fixed_order(c, nullptr));
  }
}

TEST(ArrayHostOrder, EveryInstructionSetFollowsTheFixedOrder) {
  using host::SimdLevel;
  CaseGenerator gen(1618);
  for (int i = 0; i < 30; ++i) {
    const Case c = gen.next(20000);
    bool reduced[kMaxDims] = {};
    for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
    for (SimdLevel level : {SimdLevel::generic, SimdLevel::avx2, SimdLevel::avx512}) {
      if (!host::simd_level_supported(level)) continue;
      ASSERT_TRUE(expect_fixed_order(c, reduced, kAllOps, level));
    }
  }
}

// A box with the given extents (lower corners off the origin) whose one leaf reads a buffer of
// order-sensitive doubles laid out row-major over the box: magnitudes over many binades, both
// signs and zeros of both signs (min/max keep the sign of the zero they meet first); or, for
// products, values near 1, so that they neither overflow nor vanish; or the spread values with
// now and then an infinity of either sign, so that lanes, trees and segments meet infinite means
// (of one sign, or NaN where both meet).
enum class Data { spread, near_one, with_infinities };

struct Shaped {
  Case c;
  std::vector<double> data;
};

Shaped shaped(const std::vector<std::int64_t>& extents, std::uint64_t seed, Data kind) {
  Shaped s;
  Program& p = s.c.program;
  p.ndim = static_cast<int>(extents.size());
  std::int64_t n = 1;
  for (int d = p.ndim; d-- > 0;) {
    s.c.box.lo[d] = 3 + d;
    s.c.box.hi[d] = s.c.box.lo[d] + extents[d];
    n *= extents[d];
  }
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(-1, 1);
  std::uniform_int_distribution<int> e(-30, 30), pick(0, 40), rare(0, 4000);
  s.data.resize(n);
  for (double& x : s.data) {
    const int k = pick(rng);
    x = kind == Data::near_one ? 1 + u(rng) * 1e-3
        : k == 0               ? 0.0
        : k == 1               ? -0.0
                               : 1e6 * u(rng) + std::ldexp(u(rng), e(rng));
    if (kind == Data::with_infinities && rare(rng) < 3) x = rare(rng) < 1000 ? -INFINITY : INFINITY;
  }
  Instruction leaf;
  leaf.op = Op::load_buffer;
  leaf.dtype = DType::float64;
  leaf.data = s.data.data();
  std::int64_t stride = 1;
  for (int d = p.ndim; d-- > 0;) {
    leaf.map.stride[d] = stride;
    leaf.map.offset -= s.c.box.lo[d] * stride;
    stride *= extents[d];
  }
  p.code[p.size++] = leaf;
  s.c.description = "extents";
  for (std::int64_t x : extents) s.c.description.append(" ").append(std::to_string(x));
  return s;
}

// Every kept/reduced pattern of the box's axes, every op.
void expect_every_pattern(const std::vector<std::int64_t>& extents, std::uint64_t seed) {
  for (Data kind : {Data::spread, Data::near_one, Data::with_infinities}) {
    const bool near_one = kind == Data::near_one;
    const Shaped s = shaped(extents, seed, kind);
    const int nd = s.c.program.ndim;
    for (int mask = 0; mask < (1 << nd); ++mask) {
      bool reduced[kMaxDims] = {};
      for (int d = 0; d < nd; ++d) reduced[d] = (mask >> d) & 1;
      ASSERT_TRUE(near_one ? expect_fixed_order(s.c, reduced, {ReduceOp::prod})
                           : expect_fixed_order(s.c, reduced,
                                                {ReduceOp::sum, ReduceOp::min, ReduceOp::max,
                                                 ReduceOp::any, ReduceOp::all, ReduceOp::moments}))
          << static_cast<int>(kind);
    }
  }
}

// Full reductions: lines narrower than a tile, wider than one (in pieces), a single element, sizes
// below a round of lanes, at and around segment boundaries, and over several work items.
TEST(ArrayHostOrder, FullReductionsOfEverySize) {
  for (std::int64_t n : {std::int64_t{1}, std::int64_t{2}, std::int64_t{255}, std::int64_t{256},
                         std::int64_t{257}, std::int64_t{1000}, kReduceSegment - 1, kReduceSegment,
                         kReduceSegment + 1, 3 * kReduceSegment + 17, 17 * kReduceSegment + 300}) {
    expect_every_pattern({n}, static_cast<std::uint64_t>(n));
    if (HasFailure()) return;
  }
}

// 2-D boxes: short and long rows (lines wider than the widest tile come in pieces), both axes
// kept or reduced; outputs of one element, of fewer than 256, and of more than one segment.
TEST(ArrayHostOrder, TwoDimensionalBoxes) {
  const std::vector<std::vector<std::int64_t>> boxes = {
      {1, 1},     {1, 7},    {7, 1},    {3, 300},  {300, 3},  {33, 257}, {257, 33}, {40, 1000},
      {1000, 40}, {2, 5000}, {5000, 2}, {3, 9001}, {9001, 3}, {70, 600}, {300, 500}};
  std::uint64_t seed = 1;
  for (const auto& extents : boxes) {
    expect_every_pattern(extents, ++seed);
    if (HasFailure()) return;
  }
}

// 3-D and 4-D boxes: reduced outer axes between kept ones, so outputs continue across outer
// positions (open folds), kept rows with many outer positions, and kept rows and columns whose
// outputs gather one element per outer position (more than 256 of them, and more than a
// segment).
TEST(ArrayHostOrder, OuterAxes) {
  const std::vector<std::vector<std::int64_t>> boxes = {{3, 5, 7},    {300, 4, 5},   {9000, 2, 3},
                                                        {5, 40, 70},  {2, 70, 300},  {17, 33, 9},
                                                        {2, 3, 5, 7}, {3, 2, 50, 40}};
  std::uint64_t seed = 100;
  for (const auto& extents : boxes) {
    expect_every_pattern(extents, ++seed);
    if (HasFailure()) return;
  }
}

// The exact comparisons above could not fail if the order did not show in the bits: a plain
// left-to-right sum of the same data (and the fixed order's sum, which host::reduce gives) differ.
TEST(ArrayHostOrder, LeftToRightSumGivesOtherBits) {
  const Shaped s = shaped({70, 600}, 5, Data::spread);
  Partial got;
  host::reduce({}, s.c.program, s.c.box, nullptr, ReduceOp::sum, &got);
  Partial plain = identity(ReduceOp::sum);
  for (double x : s.data) accumulate(plain, x, ReduceOp::sum);
  const Partial fixed = testing::fixed_order_fold(
      s.data.data(), static_cast<std::int64_t>(s.data.size()), ReduceOp::sum);
  EXPECT_TRUE(same_partial(got, fixed));
  EXPECT_NE(plain.value, got.value);
  EXPECT_NEAR(plain.value, got.value, 1e-9 * 1e6 * static_cast<double>(s.data.size()));
}

}  // namespace
}  // namespace tessera::kernels
