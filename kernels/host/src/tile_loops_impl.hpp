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

TESSERA_TILE_TARGET void unary_tile(Op op, double* x, int n) {
  switch (op) {
    case Op::negate:
      return unary_loop<Op::negate>(x, n);
    case Op::absolute:
      return unary_loop<Op::absolute>(x, n);
    case Op::square_root:
      return unary_loop<Op::square_root>(x, n);
    case Op::exponential:
      return unary_loop<Op::exponential>(x, n);
    case Op::logarithm:
      return unary_loop<Op::logarithm>(x, n);
    case Op::sine:
      return unary_loop<Op::sine>(x, n);
    case Op::cosine:
      return unary_loop<Op::cosine>(x, n);
    case Op::logical_not:
      return unary_loop<Op::logical_not>(x, n);
    case Op::to_float32:
      return unary_loop<Op::to_float32>(x, n);
    case Op::to_int64:
      return unary_loop<Op::to_int64>(x, n);
    case Op::to_bool:
      return unary_loop<Op::to_bool>(x, n);
    default:
      return;
  }
}

TESSERA_TILE_TARGET void binary_tile(Op op, double* a, const double* b, int n) {
  switch (op) {
    case Op::add:
      return binary_loop<Op::add>(a, b, n);
    case Op::subtract:
      return binary_loop<Op::subtract>(a, b, n);
    case Op::multiply:
      return binary_loop<Op::multiply>(a, b, n);
    case Op::divide:
      return binary_loop<Op::divide>(a, b, n);
    case Op::power:
      return binary_loop<Op::power>(a, b, n);
    case Op::minimum:
      return binary_loop<Op::minimum>(a, b, n);
    case Op::maximum:
      return binary_loop<Op::maximum>(a, b, n);
    case Op::equal:
      return binary_loop<Op::equal>(a, b, n);
    case Op::not_equal:
      return binary_loop<Op::not_equal>(a, b, n);
    case Op::less:
      return binary_loop<Op::less>(a, b, n);
    case Op::less_equal:
      return binary_loop<Op::less_equal>(a, b, n);
    case Op::greater:
      return binary_loop<Op::greater>(a, b, n);
    case Op::greater_equal:
      return binary_loop<Op::greater_equal>(a, b, n);
    case Op::logical_and:
      return binary_loop<Op::logical_and>(a, b, n);
    case Op::logical_or:
      return binary_loop<Op::logical_or>(a, b, n);
    default:
      return;
  }
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

constexpr int kLanes = 32;  // fixed, so results do not depend on the vector width; 4 AVX-512 chains

// Folds x[0 .. n) into kLanes accumulators (element k into lane k % kLanes) starting at `init`,
// then the lanes pairwise.
template <class Step>
TESSERA_TILE_TARGET inline double lane_fold(const double* x, int n, double init, Step step) {
  double acc[kLanes];
  for (int j = 0; j < kLanes; ++j) acc[j] = init;
  int k = 0;
  for (; k + kLanes <= n; k += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] = step(acc[j], x[k + j]);
  }
  for (int j = 0; k < n; ++k, ++j) acc[j] = step(acc[j], x[k]);
  for (int width = kLanes / 2; width > 0; width /= 2) {
    for (int j = 0; j < width; ++j) acc[j] = step(acc[j], acc[j + width]);
  }
  return acc[0];
}

TESSERA_TILE_TARGET Partial block_partial(const double* x, int n, ReduceOp op) {
  Partial p;
  p.count = n;
  switch (op) {
    case ReduceOp::sum:
      p.value = lane_fold(x, n, 0.0, [](double a, double v) { return a + v; });
      break;
    case ReduceOp::prod:
      p.value = lane_fold(x, n, 1.0, [](double a, double v) { return a * v; });
      break;
    case ReduceOp::min:
      p.value =
          lane_fold(x, n, __builtin_huge_val(), [](double a, double v) { return nan_min(a, v); });
      break;
    case ReduceOp::max:
      p.value =
          lane_fold(x, n, -__builtin_huge_val(), [](double a, double v) { return nan_max(a, v); });
      break;
    case ReduceOp::any:
      p.value =
          lane_fold(x, n, 0.0, [](double a, double v) { return (a != 0 || v != 0) ? 1.0 : 0.0; });
      break;
    case ReduceOp::all:
      p.value =
          lane_fold(x, n, 1.0, [](double a, double v) { return (a != 0 && v != 0) ? 1.0 : 0.0; });
      break;
    case ReduceOp::moments: {
      // Shifted sums in lanes: s1 = sum(x - x[0]), s2 = sum((x - x[0])^2).
      const double shift = x[0];
      double a1[kLanes] = {}, a2[kLanes] = {};
      int k = 0;
      for (; k + kLanes <= n; k += kLanes) {
        for (int j = 0; j < kLanes; ++j) {
          const double d = x[k + j] - shift;
          a1[j] += d;
          a2[j] += d * d;
        }
      }
      for (int j = 0; k < n; ++k, ++j) {
        const double d = x[k] - shift;
        a1[j] += d;
        a2[j] += d * d;
      }
      for (int width = kLanes / 2; width > 0; width /= 2) {
        for (int j = 0; j < width; ++j) {
          a1[j] += a1[j + width];
          a2[j] += a2[j + width];
        }
      }
      return moments_from_shifted(n, shift, a1[0], a2[0]);
    }
  }
  return p;
}

// a1[c] = step(... step(tile[0][c], tile[1][c]) ..., tile[tr - 1][c]).
template <class Step>
TESSERA_TILE_TARGET inline void fold_rows(const double* tile, int tr, int tc, double* a1,
                                          Step step) {
  for (int c = 0; c < tc; ++c) a1[c] = tile[c];
  for (int r = 1; r < tr; ++r) {
    const double* row = tile + r * tc;
    for (int c = 0; c < tc; ++c) a1[c] = step(a1[c], row[c]);
  }
}

TESSERA_TILE_TARGET void column_partials(const double* tile, int tr, int tc, ReduceOp op,
                                         Partial* slots, double* scratch) {
  double* a1 = scratch;
  double* a2 = scratch + tc;
  switch (op) {
    case ReduceOp::sum:
      fold_rows(tile, tr, tc, a1, [](double a, double v) { return a + v; });
      break;
    case ReduceOp::prod:
      fold_rows(tile, tr, tc, a1, [](double a, double v) { return a * v; });
      break;
    case ReduceOp::min:
      fold_rows(tile, tr, tc, a1, [](double a, double v) { return nan_min(a, v); });
      break;
    case ReduceOp::max:
      fold_rows(tile, tr, tc, a1, [](double a, double v) { return nan_max(a, v); });
      break;
    case ReduceOp::any:
      fold_rows(tile, tr, tc, a1,
                [](double a, double v) { return (a != 0 || v != 0) ? 1.0 : 0.0; });
      for (int c = 0; c < tc; ++c) a1[c] = a1[c] != 0 ? 1.0 : 0.0;
      break;
    case ReduceOp::all:
      fold_rows(tile, tr, tc, a1,
                [](double a, double v) { return (a != 0 && v != 0) ? 1.0 : 0.0; });
      for (int c = 0; c < tc; ++c) a1[c] = a1[c] != 0 ? 1.0 : 0.0;
      break;
    case ReduceOp::moments: {
      const double* shift = tile;  // the first row
      for (int c = 0; c < tc; ++c) a1[c] = a2[c] = 0;
      for (int r = 1; r < tr; ++r) {
        const double* row = tile + r * tc;
        for (int c = 0; c < tc; ++c) {
          const double d = row[c] - shift[c];
          a1[c] += d;
          a2[c] += d * d;
        }
      }
      for (int c = 0; c < tc; ++c) {
        slots[c] = combine(slots[c], moments_from_shifted(tr, shift[c], a1[c], a2[c]), op);
      }
      return;
    }
  }
  for (int c = 0; c < tc; ++c) {
    Partial p;
    p.value = a1[c];
    p.count = tr;
    slots[c] = combine(slots[c], p, op);
  }
}

}  // namespace

inline TileLoops table() {
  return {unary_tile, binary_tile,   where_tile,     scale_shift,
          transpose,  block_partial, column_partials};
}

}  // namespace tessera::kernels::detail::TESSERA_TILE_NAMESPACE
