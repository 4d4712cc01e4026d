// The host kernels on the cases that matter most and that random programs rarely reach: random
// leaves read along rows, transposed (even and odd strides, odd starts) and broadcast over boxes
// wider than a tile; chunking independence; and the numerical stability of moments.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "program_reference.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels {
namespace {

using testing::Case;

Instruction leaf(Op op, std::int64_t offset, std::int64_t s0, std::int64_t s1,
                 std::uint64_t seed = 42) {
  Instruction in;
  in.op = op;
  in.seed = seed;
  in.b = 1;
  in.map.offset = offset;
  in.map.stride[0] = s0;
  in.map.stride[1] = s1;
  return in;
}

Instruction op(Op o) {
  Instruction in;
  in.op = o;
  return in;
}

Box box_2d(std::int64_t r0, std::int64_t r1, std::int64_t c0, std::int64_t c1) {
  Box box;
  box.lo[0] = r0;
  box.hi[0] = r1;
  box.lo[1] = c0;
  box.hi[1] = c1;
  return box;
}

// x + x.T (x: an n x n array of `leaf_op`) with x read at the given strides.
Case x_plus_xt(Op leaf_op, std::int64_t n, const Box& box, double a = 0, double b = 1) {
  Case c;
  c.program.ndim = 2;
  Instruction x = leaf(leaf_op, 0, n, 1);
  Instruction xt = leaf(leaf_op, 0, 1, n);
  x.a = xt.a = a;
  x.b = xt.b = b;
  c.program.code[0] = x;
  c.program.code[1] = xt;
  c.program.code[2] = op(Op::add);
  c.program.size = 3;
  c.box = box;
  c.description = "x + x.T, n " + std::to_string(n);
  return c;
}

void expect_evaluate_exact(const Case& c) {
  const std::int64_t n = testing::box_size(c.box, c.program.ndim);
  const auto want = testing::reference_evaluate(c.program, c.box, DType::float64);
  std::vector<std::uint8_t> got(want.size());
  host::evaluate({}, c.program, c.box, DType::float64, got.data());
  EXPECT_EQ(testing::first_mismatch(got.data(), want.data(), n, DType::float64), -1)
      << c.description;
}

TEST(ArrayHostCases, TransposedRandomLeavesEvaluateExactly) {
  // Boxes wider and taller than a tile, with odd and even starts; array sides odd and even, so
  // the transposed leaf's column stride is odd (runs + transpose) or even (paired rows).
  for (std::int64_t n : {1000, 999, 301}) {
    for (const Box& box : {box_2d(0, 70, 0, 300), box_2d(3, 97, 5, 290), box_2d(1, 2, 0, 300),
                           box_2d(11, 300, 7, 8), box_2d(0, 33, 1, 258)}) {
      for (Op o : {Op::load_uniform, Op::load_uniform_f32, Op::load_normal}) {
        expect_evaluate_exact(x_plus_xt(o, n, box));
        expect_evaluate_exact(x_plus_xt(o, n, box, -2, 5));
      }
    }
  }
}

TEST(ArrayHostCases, BroadcastAndStridedLeavesEvaluateExactly) {
  // Leaves constant along rows, along columns, everywhere, and with strides 2 and 3.
  const std::int64_t strides[][2] = {{0, 1}, {1, 0}, {0, 0}, {2, 3}, {3, 2}, {600, 2}, {2, 600}};
  for (const auto& s : strides) {
    for (Op o : {Op::load_uniform, Op::load_normal, Op::load_uniform_f32, Op::load_arange}) {
      Case c;
      c.program.ndim = 2;
      c.program.code[0] = leaf(o, 1, s[0], s[1]);
      c.program.code[1] = leaf(Op::load_uniform, 0, 300, 1, 7);
      c.program.code[2] = op(Op::multiply);
      c.program.size = 3;
      c.box = box_2d(1, 140, 2, 290);
      c.description = "strides " + std::to_string(s[0]) + ", " + std::to_string(s[1]);
      expect_evaluate_exact(c);
    }
  }
}

// Reduces c over every combination of its two first axes and compares with the reference.
void expect_reductions_match(const Case& c) {
  for (int axes = 0; axes < (c.program.ndim >= 2 ? 4 : 2); ++axes) {
    const bool reduced[kMaxDims] = {(axes & 1) != 0, (axes & 2) != 0};
    for (ReduceOp o : {ReduceOp::sum, ReduceOp::moments, ReduceOp::min, ReduceOp::any}) {
      const auto ref = testing::reference_reduce(c.program, c.box, reduced, o);
      std::vector<Partial> got(ref.partials.size());
      host::reduce({}, c.program, c.box, reduced, o, got.data());
      for (std::size_t k = 0; k < got.size(); ++k) {
        std::string why;
        ASSERT_TRUE(testing::partial_matches(got[k], ref, k, o, why))
            << c.description << ", axes " << axes << ", output " << k << ": " << why;
      }
    }
  }
}

TEST(ArrayHostCases, LongRowsFillWideTiles) {
  // A 1-D box, and boxes of a few long rows with a transposed leaf (odd and even column
  // strides): tiles wider than 256 columns.
  Case one;
  one.program.ndim = 1;
  one.program.code[0] = leaf(Op::load_uniform, 3, 1, 0);
  one.program.code[1] = leaf(Op::load_normal, 0, 2, 0, 5);
  one.program.code[2] = op(Op::add);
  one.program.size = 3;
  one.box.lo[0] = 17;
  one.box.hi[0] = 100017;
  one.description = "1-D";
  expect_evaluate_exact(one);
  expect_reductions_match(one);
  for (std::int64_t rows : {3, 4}) {
    Case few;
    few.program.ndim = 2;
    few.program.code[0] = leaf(Op::load_uniform, 0, 1, rows);  // transposed
    few.program.code[1] = leaf(Op::load_uniform, 0, 5000, 1, 9);
    few.program.code[2] = op(Op::multiply);
    few.program.size = 3;
    few.box = box_2d(0, rows, 1, 4999);
    few.description = std::to_string(rows) + " long rows";
    expect_evaluate_exact(few);
    expect_reductions_match(few);
  }
}

// Reduces c over `reduced` as one box, and as 4 sub-boxes (cut along dimensions 0 and 1 at
// `cut`) whose partials combine into the same outputs; both must match the reference within
// partial_matches' tolerances, and the evaluated sub-boxes must equal the whole bit for bit.
void expect_chunking_independent(const Case& c, const bool* reduced, ReduceOp op,
                                 const std::int64_t* cut) {
  const int nd = c.program.ndim;
  const auto ref = testing::reference_reduce(c.program, c.box, reduced, op);
  std::vector<Partial> whole(ref.partials.size());
  host::reduce({}, c.program, c.box, reduced, op, whole.data());
  std::vector<Partial> pieces(ref.partials.size(), identity(op));
  const std::int64_t n = testing::box_size(c.box, nd);
  std::vector<double> whole_values(n), piece_values(n);
  host::evaluate({}, c.program, c.box, DType::float64, whole_values.data());
  for (int q = 0; q < 4; ++q) {
    Box sub = c.box;
    for (int d = 0; d < 2; ++d) {
      if ((q >> d) & 1) {
        sub.lo[d] = cut[d];
      } else {
        sub.hi[d] = cut[d];
      }
    }
    std::vector<Partial> part(testing::kept_size(sub, nd, reduced));
    host::reduce({}, c.program, sub, reduced, op, part.data());
    std::vector<double> values(testing::box_size(sub, nd));
    host::evaluate({}, c.program, sub, DType::float64, values.data());
    std::int64_t k = 0, j = 0;
    testing::for_each_index(sub, nd, [&](const std::int64_t* idx) {
      const std::int64_t at = testing::kept_index(sub, nd, reduced, idx);
      if (at == k) {  // each kept position of the sub-box, once, in order
        const std::int64_t o = testing::kept_index(c.box, nd, reduced, idx);
        pieces[o] = combine(pieces[o], part[k++], op);
      }
      std::int64_t flat = 0;
      for (int d = 0; d < nd; ++d) flat = flat * (c.box.hi[d] - c.box.lo[d]) + idx[d] - c.box.lo[d];
      piece_values[flat] = values[j++];
    });
    ASSERT_EQ(k, static_cast<std::int64_t>(part.size()));
  }
  for (std::size_t k = 0; k < whole.size(); ++k) {
    std::string why;
    ASSERT_TRUE(testing::partial_matches(whole[k], ref, k, op, why))
        << "whole, output " << k << ": " << why;
    ASSERT_TRUE(testing::partial_matches(pieces[k], ref, k, op, why))
        << "pieces, output " << k << ": " << why;
  }
  EXPECT_EQ(testing::first_mismatch(reinterpret_cast<const std::uint8_t*>(piece_values.data()),
                                    reinterpret_cast<const std::uint8_t*>(whole_values.data()), n,
                                    DType::float64),
            -1);
}

TEST(ArrayHostCases, ChunkingIndependence) {
  testing::CaseGenerator gen(31337);
  int done = 0;
  while (done < 60) {
    Case c = gen.next(12000);
    if (c.program.ndim < 2) continue;
    const bool wide = c.box.hi[0] - c.box.lo[0] >= 2 && c.box.hi[1] - c.box.lo[1] >= 2;
    if (!wide) continue;
    std::int64_t cut[2];
    for (int d = 0; d < 2; ++d) cut[d] = gen.uniform_int(c.box.lo[d] + 1, c.box.hi[d] - 1);
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::moments, ReduceOp::min, ReduceOp::all}) {
      bool reduced[kMaxDims] = {};
      for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
      expect_chunking_independent(c, reduced, op, cut);
    }
    if (HasFailure()) return;
    ++done;
  }
  // And x + x.T itself, over a box of several tiles cut off-centre.
  const Case c = x_plus_xt(Op::load_uniform, 1000, box_2d(100, 400, 200, 700));
  const std::int64_t cut[2] = {171, 333};
  for (bool r0 : {false, true}) {
    for (bool r1 : {false, true}) {
      const bool reduced[kMaxDims] = {r0, r1};
      for (ReduceOp op : {ReduceOp::sum, ReduceOp::moments, ReduceOp::max}) {
        expect_chunking_independent(c, reduced, op, cut);
      }
    }
  }
}

// 1e9 + U over 1000 x 1000 elements: host::reduce's variance against the exact variance of the
// same doubles computed in long double (two passes). The error must stay within a few ulps of
// the variance times sqrt(n): no cancellation from the 1e9 offset.
TEST(ArrayHostCases, MomentsAreStableUnderALargeOffset) {
  Case c;
  c.program.ndim = 2;
  Instruction offset;
  offset.op = Op::load_constant;
  offset.a = 1e9;
  c.program.code[0] = offset;
  c.program.code[1] = leaf(Op::load_uniform, 0, 1000, 1, 2024);
  c.program.code[2] = op(Op::add);
  c.program.size = 3;
  c.box = box_2d(0, 1000, 0, 1000);
  const std::int64_t n = 1000 * 1000;
  std::vector<double> values(n);
  host::evaluate({}, c.program, c.box, DType::float64, values.data());

  // Exact-enough references: per column (axis 0 reduced) and over everything.
  auto two_pass = [&](auto index, std::int64_t count, long double& mean_out) {
    long double mean = 0;
    for (std::int64_t k = 0; k < count; ++k) mean += values[index(k)];
    mean /= count;
    long double m2 = 0;
    for (std::int64_t k = 0; k < count; ++k) {
      const long double d = values[index(k)] - mean;
      m2 += d * d;
    }
    mean_out = mean;
    return m2 / count;
  };
  const double ulp_var = std::ldexp(1.0, -56);  // ulp of a variance in [1/16, 1/8)

  Partial all;
  host::reduce({}, c.program, c.box, nullptr, ReduceOp::moments, &all);
  long double mean = 0;
  const long double var = two_pass([](std::int64_t k) { return k; }, n, mean);
  EXPECT_EQ(all.count, n);
  const double got_var = all.m2 / all.count;
  EXPECT_LE(std::fabs(got_var - static_cast<double>(var)), 4 * ulp_var * std::sqrt(double(n)))
      << "var " << got_var << " vs " << static_cast<double>(var) << ", error "
      << (got_var - var) / ulp_var << " ulp";
  EXPECT_LE(std::fabs(static_cast<long double>(all.mean) + all.value - mean), 1e-6L);
  EXPECT_NEAR(got_var, 1.0 / 12, 1e-3);

  const bool axis0[kMaxDims] = {true, false};
  std::vector<Partial> columns(1000);
  host::reduce({}, c.program, c.box, axis0, ReduceOp::moments, columns.data());
  double worst = 0;
  for (int j = 0; j < 1000; ++j) {
    long double column_mean = 0;
    const long double v = two_pass([j](std::int64_t k) { return k * 1000 + j; }, 1000, column_mean);
    const double err = std::fabs(columns[j].m2 / columns[j].count - static_cast<double>(v));
    // The column variances scatter around 1/12; scale the ulp to each.
    worst = std::max(worst, err / (std::ldexp(1.0, std::ilogb(static_cast<double>(v)) - 52) *
                                   std::sqrt(1000.0)));
  }
  EXPECT_LE(worst, 4) << "worst column error in ulp * sqrt(n)";
}

}  // namespace
}  // namespace tessera::kernels
