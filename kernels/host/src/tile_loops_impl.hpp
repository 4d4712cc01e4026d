// The tile loops (tile_loops.hpp), included once per instruction set by tile_loops_*.cpp with
// TESSERA_TILE_TARGET (a target attribute, or nothing) and TESSERA_TILE_NAMESPACE (a distinct
// namespace) defined. No include guard on purpose. The operators themselves come inline from
// program_eval.hpp, so every level computes exactly what evaluate_element computes.
#include <algorithm>

#include "tessera/kernels/program_eval.hpp"
#include "tile_loops.hpp"

namespace tessera::kernels::detail::TESSERA_TILE_NAMESPACE {
namespace {

template <Op op>
TESSERA_TILE_TARGET void unary_loop(double* x, int n) {
  for (int k = 0; k < n; ++k) x[k] = unary<op>(x[k]);
}

template <Op op>
TESSERA_TILE_TARGET void binary_loop(double* a, const double* b, int n) {
  for (int k = 0; k < n; ++k) a[k] = binary<op>(a[k], b[k]);
}

template <Op op>
TESSERA_TILE_TARGET void integer_unary_loop(double* x, int n) {
  for (int k = 0; k < n; ++k) x[k] = integer_unary<op>(x[k]);
}

template <Op op>
TESSERA_TILE_TARGET void integer_binary_loop(double* a, const double* b, int n) {
  for (int k = 0; k < n; ++k) a[k] = integer_binary<op>(a[k], b[k]);
}

// One loop per operator, chosen once per tile through program_eval.hpp's visitors: the switch
// runs per call, the loops over the tile's values are the operator's own, compiled for this
// instruction set (the lambdas carry the target too, so the loops inline into them).
TESSERA_TILE_TARGET void unary_tile(Op op, double* x, int n) {
  visit_unary(op, [=](auto o) TESSERA_TILE_TARGET { unary_loop<decltype(o)::value>(x, n); });
}

TESSERA_TILE_TARGET void integer_unary_tile(Op op, double* x, int n) {
  visit_unary(op,
              [=](auto o) TESSERA_TILE_TARGET { integer_unary_loop<decltype(o)::value>(x, n); });
}

TESSERA_TILE_TARGET void binary_tile(Op op, double* a, const double* b, int n) {
  visit_binary(op, [=](auto o) TESSERA_TILE_TARGET { binary_loop<decltype(o)::value>(a, b, n); });
}

TESSERA_TILE_TARGET void integer_binary_tile(Op op, double* a, const double* b, int n) {
  visit_binary(
      op, [=](auto o) TESSERA_TILE_TARGET { integer_binary_loop<decltype(o)::value>(a, b, n); });
}

TESSERA_TILE_TARGET void where_tile(double* a, const double* b, const double* c, int n) {
  for (int k = 0; k < n; ++k) a[k] = select(a[k], b[k], c[k]);
}

TESSERA_TILE_TARGET void scale_shift(double* x, int n, double a, double scale) {
  for (int k = 0; k < n; ++k) x[k] = a + scale * x[k];
}

TESSERA_TILE_TARGET void transpose(const double* column_major, int tr, int tc, double* tile) {
  constexpr int kBlock = 16;
  for (int c0 = 0; c0 < tc; c0 += kBlock) {
    const int c1 = std::min(tc, c0 + kBlock);
    for (int r = 0; r < tr; ++r) {
      for (int c = c0; c < c1; ++c) tile[r * tc + c] = column_major[c * tr + r];
    }
  }
}

// accumulate() itself on each lane, op fixed at compile time: the switch folds away and what is
// left (for moments Welford's update with its division, in the same operations and order) is a
// loop over independent lanes, which the compiler vectorizes without reordering anything. The
// arrays are restrict parameters (GCC ignores restrict on local pointers), so no aliasing checks
// stand in the way.
template <ReduceOp op>
TESSERA_TILE_TARGET inline void accumulate_run(double* __restrict value, double* __restrict mean,
                                               double* __restrict m2, const double* __restrict x,
                                               int n, double count) {
  // A lane's first value starts from identity() rather than from what the array holds, so lanes
  // need no clearing between segments (and the first round loads nothing).
  const bool first = count == 1;
  const double before = count - 1;  // exact: counts are whole numbers below 2^53
  for (int k = 0; k < n; ++k) {
    Partial p = identity(op);
    if (!first) {
      p.value = value[k];
      p.count = before;
      if constexpr (op == ReduceOp::moments) {
        p.mean = mean[k];
        p.m2 = m2[k];
      }
    }
    accumulate(p, x[k], op);
    value[k] = p.value;
    if constexpr (op == ReduceOp::moments) {
      mean[k] = p.mean;
      m2[k] = p.m2;
    }
  }
}

template <ReduceOp op>
TESSERA_TILE_TARGET void accumulate_loop(const LaneFields& lanes, const double* x, int n,
                                         double count) {
  accumulate_run<op>(lanes.value, lanes.mean, lanes.m2, x, n, count);
}

TESSERA_TILE_TARGET void accumulate_lanes(ReduceOp op, const LaneFields& lanes, const double* x,
                                          int n, double count) {
  visit_reduce_op(op, [&](auto o) TESSERA_TILE_TARGET {
    accumulate_loop<decltype(o)::value>(lanes, x, n, count);
  });
}

// combine() itself on each pair of lanes, op fixed at compile time: the lanes hold elements
// (counts > 0), for which combine() is combine_nonempty(), so the loop has no tests of counts.
template <ReduceOp op>
TESSERA_TILE_TARGET inline void combine_run(double* __restrict a_value, double* __restrict a_mean,
                                            double* __restrict a_m2,
                                            const double* __restrict b_value,
                                            const double* __restrict b_mean,
                                            const double* __restrict b_m2, int n, double count_a,
                                            double count_b) {
  for (int k = 0; k < n; ++k) {
    Partial pa, pb;
    pa.value = a_value[k];
    pa.count = count_a;
    pb.value = b_value[k];
    pb.count = count_b;
    if constexpr (op == ReduceOp::moments) {
      pa.mean = a_mean[k];
      pa.m2 = a_m2[k];
      pb.mean = b_mean[k];
      pb.m2 = b_m2[k];
    }
    const Partial p = combine_nonempty(pa, pb, op);
    a_value[k] = p.value;
    if constexpr (op == ReduceOp::moments) {
      a_mean[k] = p.mean;
      a_m2[k] = p.m2;
    }
  }
}

template <ReduceOp op>
TESSERA_TILE_TARGET void combine_loop(const LaneFields& a, const LaneFields& b, int n,
                                      double count_a, double count_b) {
  combine_run<op>(a.value, a.mean, a.m2, b.value, b.mean, b.m2, n, count_a, count_b);
}

TESSERA_TILE_TARGET void combine_lanes(ReduceOp op, const LaneFields& a, const LaneFields& b, int n,
                                       double count_a, double count_b) {
  visit_reduce_op(op, [&](auto o) TESSERA_TILE_TARGET {
    combine_loop<decltype(o)::value>(a, b, n, count_a, count_b);
  });
}

}  // namespace

inline TileLoops table() {
  return {unary_tile,       binary_tile,   where_tile,         scale_shift,        transpose,
          accumulate_lanes, combine_lanes, integer_unary_tile, integer_binary_tile};
}

}  // namespace tessera::kernels::detail::TESSERA_TILE_NAMESPACE
