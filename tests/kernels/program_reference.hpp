// Test support for the array kernels: random programs (every Op, up to 4-D ragged boxes,
// transposed, reversed and broadcast leaves, buffers of every dtype), and straightforward
// reference loops over evaluate_element to compare the kernels with.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "tessera/kernels/program.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels::testing {

/// A program, its box, and the storage its buffer leaves point into.
struct Case {
  Program program;
  Box box;
  std::vector<std::vector<std::uint8_t>> buffers;
  std::string description;
};

/// Elements of a box over ndim dimensions.
inline std::int64_t box_size(const Box& box, int ndim) {
  std::int64_t n = 1;
  for (int d = 0; d < ndim; ++d) n *= box.hi[d] - box.lo[d];
  return n;
}

/// Calls f(idx) for every multi-index of the box, row-major.
template <class F>
void for_each_index(const Box& box, int ndim, F&& f) {
  std::int64_t idx[kMaxDims];
  for (int d = 0; d < ndim; ++d) idx[d] = box.lo[d];
  const std::int64_t n = box_size(box, ndim);
  for (std::int64_t k = 0; k < n; ++k) {
    f(static_cast<const std::int64_t*>(idx));
    for (int d = ndim; d-- > 0;) {
      if (++idx[d] < box.hi[d]) break;
      idx[d] = box.lo[d];
    }
  }
}

/// Bytes per element of a dtype.
inline std::size_t dtype_size(DType type) {
  switch (type) {
    case DType::boolean:
      return 1;
    case DType::float32:
      return 4;
    default:
      return 8;
  }
}

/// Reference evaluation: evaluate_element at every element, stored with store_as.
inline std::vector<std::uint8_t> reference_evaluate(const Program& program, const Box& box,
                                                    DType out_type) {
  std::vector<std::uint8_t> out(box_size(box, program.ndim) * dtype_size(out_type));
  std::int64_t k = 0;
  for_each_index(box, program.ndim, [&](const std::int64_t* idx) {
    store_as(out_type, out.data(), k++, evaluate_element(program, idx));
  });
  return out;
}

/// Reference partials plus what the tolerances need: per output, the sum of |x|, max |x| and the
/// values' max distance from the reference mean.
struct ReferenceReduction {
  std::vector<Partial> partials;
  std::vector<double> sum_abs, max_abs, max_dev;
};

/// Index of the output that multi-index idx contributes to (row-major over kept axes).
inline std::int64_t kept_index(const Box& box, int ndim, const bool* reduced,
                               const std::int64_t* idx) {
  std::int64_t o = 0;
  for (int d = 0; d < ndim; ++d) {
    if (!reduced[d]) o = o * (box.hi[d] - box.lo[d]) + (idx[d] - box.lo[d]);
  }
  return o;
}

/// Number of outputs of a reduction of the box over `reduced`.
inline std::int64_t kept_size(const Box& box, int ndim, const bool* reduced) {
  std::int64_t n = 1;
  for (int d = 0; d < ndim; ++d)
    if (!reduced[d]) n *= box.hi[d] - box.lo[d];
  return n;
}

/// Reference reduction: accumulate() (Welford for moments) over the box in row-major order.
inline ReferenceReduction reference_reduce(const Program& program, const Box& box,
                                           const bool* reduced, ReduceOp op) {
  const int nd = program.ndim;
  const std::int64_t n_out = kept_size(box, nd, reduced);
  ReferenceReduction ref;
  ref.partials.assign(n_out, identity(op));
  ref.sum_abs.assign(n_out, 0);
  ref.max_abs.assign(n_out, 0);
  ref.max_dev.assign(n_out, 0);
  std::vector<double> values;
  for_each_index(box, nd, [&](const std::int64_t* idx) {
    const double v = evaluate_element(program, idx);
    const std::int64_t o = kept_index(box, nd, reduced, idx);
    accumulate(ref.partials[o], v, op);
    ref.sum_abs[o] += std::fabs(v);
    ref.max_abs[o] = std::max(ref.max_abs[o], std::fabs(v));
  });
  if (op == ReduceOp::moments) {
    for_each_index(box, nd, [&](const std::int64_t* idx) {
      const std::int64_t o = kept_index(box, nd, reduced, idx);
      const double dev = std::fabs(evaluate_element(program, idx) - ref.partials[o].mean);
      ref.max_dev[o] = std::max(ref.max_dev[o], dev);
    });
  }
  return ref;
}

/// Whether two doubles are the same value (bit-identical, or both NaN).
inline bool same_value(double a, double b) {
  if (a != a || b != b) return a != a && b != b;
  return std::memcmp(&a, &b, sizeof a) == 0;
}

/// Compares an output buffer of dtype `type` element by element; returns the first mismatch
/// index or -1.
inline std::int64_t first_mismatch(const std::uint8_t* got, const std::uint8_t* want,
                                   std::int64_t n, DType type) {
  for (std::int64_t k = 0; k < n; ++k) {
    switch (type) {
      case DType::float64: {
        double a, b;
        std::memcpy(&a, got + 8 * k, 8);
        std::memcpy(&b, want + 8 * k, 8);
        if (!same_value(a, b)) return k;
        break;
      }
      case DType::float32: {
        float a, b;
        std::memcpy(&a, got + 4 * k, 4);
        std::memcpy(&b, want + 4 * k, 4);
        if (!same_value(a, b)) return k;
        break;
      }
      default: {
        const std::size_t s = dtype_size(type);
        if (std::memcmp(got + s * k, want + s * k, s) != 0) return k;
      }
    }
  }
  return -1;
}

/// Whether partial `got` matches the reference `k` within the stated tolerances; `why` says how
/// not. min/max/any/all and every count must be exact. A sum in any order is within
/// n * eps * sum|x| of the exact sum, so two orders are within twice that. A product within
/// 2 n eps |p| (checked only away from under/overflow). For moments, shifted sums and Welford
/// stay within a small multiple of n * eps * (n * maxdev^2) for M2 (maxdev: the largest
/// |x - mean|) and n * eps * max|x| for the mean. Non-finite references are compared only for
/// NaN-ness.
inline bool partial_matches(const Partial& got, const ReferenceReduction& ref, std::int64_t k,
                            ReduceOp op, std::string& why) {
  const Partial& want = ref.partials[k];
  const double eps = std::numeric_limits<double>::epsilon();
  const double n = want.count;
  if (got.count != want.count) {
    why = "count " + std::to_string(got.count) + " vs " + std::to_string(want.count);
    return false;
  }
  auto report = [&](const char* field, double a, double b, double tol) {
    why = std::string(field) + " " + std::to_string(a) + " vs " + std::to_string(b) +
          " (tolerance " + std::to_string(tol) + ")";
    return false;
  };
  switch (op) {
    case ReduceOp::min:
    case ReduceOp::max:
    case ReduceOp::any:
    case ReduceOp::all:
      // Exact, except the sign of a zero minimum or maximum, which depends on the order of
      // equal elements 0.0 and -0.0 (as in NumPy).
      if (!(got.value == want.value || same_value(got.value, want.value)))
        return report("value", got.value, want.value, 0);
      return true;
    case ReduceOp::sum_int64:
    case ReduceOp::prod_int64:
    case ReduceOp::min_int64:
    case ReduceOp::max_int64:  // int64 partials are exact in any order
      if (as_integer(got.value) != as_integer(want.value)) {
        why = "int64 " + std::to_string(as_integer(got.value)) + " vs " +
              std::to_string(as_integer(want.value));
        return false;
      }
      return true;
    case ReduceOp::sum: {
      if (!std::isfinite(ref.sum_abs[k])) return true;
      const double tol = 2 * n * eps * ref.sum_abs[k];
      if (!(std::fabs(got.value - want.value) <= tol))
        return report("sum", got.value, want.value, tol);
      return true;
    }
    case ReduceOp::prod: {
      const double m = std::fabs(want.value);
      if (!std::isfinite(m) || m < 1e-250 || m > 1e250) return true;
      const double tol = 2 * n * eps * m;
      if (!(std::fabs(got.value - want.value) <= tol))
        return report("prod", got.value, want.value, tol);
      return true;
    }
    case ReduceOp::moments: {
      if (!std::isfinite(ref.sum_abs[k]) || !std::isfinite(want.m2)) return true;
      const double mean_tol = 4 * n * eps * ref.max_abs[k];
      const double got_mean = got.mean + got.value, want_mean = want.mean + want.value;
      if (!(std::fabs(got_mean - want_mean) <= mean_tol))
        return report("mean", got_mean, want_mean, mean_tol);
      const double m2_tol = 16 * n * eps * n * ref.max_dev[k] * ref.max_dev[k] + 1e-300;
      if (!(std::fabs(got.m2 - want.m2) <= m2_tol)) return report("m2", got.m2, want.m2, m2_tol);
      return true;
    }
  }
  return true;
}

/// x + x.T, x a uniform side x side array of seed `seed` (cuRAND's doubles): one leaf read along
/// the rows, one down the columns, the shape fused kernels are built for.
inline Program x_plus_xt_program(std::int64_t side, std::uint64_t seed) {
  Program p;
  p.ndim = 2;
  Instruction x;
  x.op = Op::load_uniform;
  x.seed = seed;
  x.b = 1;
  x.map.stride[0] = side;
  x.map.stride[1] = 1;
  Instruction xt = x;
  xt.map.stride[0] = 1;
  xt.map.stride[1] = side;
  p.code[0] = x;
  p.code[1] = xt;
  p.code[2].op = Op::add;
  p.size = 3;
  return p;
}

/// Random programs and boxes for property tests.
class CaseGenerator {
 public:
  explicit CaseGenerator(std::uint64_t seed) : rng_(seed) {}

  /// A random case with at most `max_elements` elements in its box.
  Case next(std::int64_t max_elements = 20000) {
    Case c;
    Program& p = c.program;
    p.ndim = uniform_int(0, 4);
    std::int64_t budget = max_elements;
    static constexpr std::int64_t kExtents[] = {1, 2, 3, 5, 8, 16, 17, 31, 64, 100, 257, 300};
    for (int d = 0; d < p.ndim; ++d) {
      std::int64_t e = 1;
      for (int tries = 0; tries < 8; ++tries) {
        const std::int64_t candidate = kExtents[uniform_int(0, std::size(kExtents) - 1)];
        if (candidate <= budget) {
          e = candidate;
          break;
        }
      }
      budget /= e;
      c.box.lo[d] = uniform_int(0, 40);
      c.box.hi[d] = c.box.lo[d] + e;
    }
    // An expression tree of bounded depth, in postfix.
    const int depth = uniform_int(0, 4);
    emit(c, depth);
    c.description =
        "ndim " + std::to_string(p.ndim) + ", " + std::to_string(p.size) + " instructions, box";
    for (int d = 0; d < p.ndim; ++d) {
      c.description += " [" + std::to_string(c.box.lo[d]) + "," + std::to_string(c.box.hi[d]) + ")";
    }
    return c;
  }

  /// A uniformly random integer in [lo, hi].
  std::int64_t uniform_int(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

  std::mt19937_64& rng() { return rng_; }

 private:
  void push(Case& c, const Instruction& in) { c.program.code[c.program.size++] = in; }

  // Emits a random subtree of at most `depth` levels.
  void emit(Case& c, int depth) {
    // Size bound: where only at depth <= 2 (at most 13 instructions), binary above it, so depth 4
    // needs at most 2 * (2 * 13 + 1) + 1 = 55 <= kMaxInstructions; the stack stays under 10.
    if (depth == 0 || uniform_int(0, 5) == 0) {
      push(c, random_leaf(c));
      return;
    }
    const int kind = static_cast<int>(uniform_int(0, depth <= 2 ? 9 : 8));
    if (kind < 3) {  // unary
      emit(c, depth - 1);
      Instruction in;
      in.op =
          static_cast<Op>(uniform_int(static_cast<int>(Op::negate), static_cast<int>(Op::to_bool)));
      push(c, in);
    } else if (kind < 9) {  // binary
      emit(c, depth - 1);
      emit(c, depth - 1);
      Instruction in;
      in.op =
          static_cast<Op>(uniform_int(static_cast<int>(Op::add), static_cast<int>(Op::logical_or)));
      push(c, in);
    } else {  // where
      emit(c, depth - 1);
      emit(c, depth - 1);
      emit(c, depth - 1);
      Instruction in;
      in.op = Op::where;
      push(c, in);
    }
  }

  // A random affine map for the case's box: a permuted row-major layout of a source array at
  // least as large as the box's reach, with some dimensions broadcast (stride 0) or reversed.
  Affine random_map(const Case& c, std::int64_t& reach) {
    const int nd = c.program.ndim;
    Affine map;
    int order[kMaxDims];
    std::iota(order, order + nd, 0);
    std::shuffle(order, order + nd, rng_);
    std::int64_t stride = 1;
    for (int k = nd; k-- > 0;) {
      const int d = order[k];
      if (uniform_int(0, 4) == 0) continue;  // broadcast
      map.stride[d] = stride;
      stride *= c.box.hi[d] + uniform_int(0, 3);
    }
    map.offset = uniform_int(0, 9);
    for (int d = 0; d < nd; ++d) {
      if (map.stride[d] != 0 && uniform_int(0, 9) == 0) {  // reversed
        map.offset += map.stride[d] * (c.box.hi[d] - 1);
        map.stride[d] = -map.stride[d];
      }
    }
    std::int64_t hi = map.offset;
    for (int d = 0; d < nd; ++d) {
      hi += std::max(map.stride[d] * c.box.lo[d], map.stride[d] * (c.box.hi[d] - 1));
    }
    reach = hi + 1;
    return map;
  }

  double random_double() {
    switch (uniform_int(0, 19)) {
      case 0:
        return 0.0;
      case 1:
        return -0.0;
      case 2:
        return std::numeric_limits<double>::quiet_NaN();
      case 3:
        return std::numeric_limits<double>::infinity();
      default:
        return std::normal_distribution<double>(0, 3)(rng_);
    }
  }

  Instruction random_leaf(Case& c) {
    Instruction in;
    in.op = static_cast<Op>(uniform_int(0, static_cast<int>(Op::load_buffer)));
    std::int64_t reach = 0;
    in.map = random_map(c, reach);
    in.seed = rng_();
    const bool standard = uniform_int(0, 2) == 0;
    in.a = standard ? 0 : std::normal_distribution<double>(0, 2)(rng_);
    in.b = standard ? 1 : std::normal_distribution<double>(0, 2)(rng_);
    if (in.op == Op::load_arange)
      in.b = standard ? 1 : 0.25 * static_cast<double>(uniform_int(-8, 8));
    if (in.op == Op::load_buffer) {
      in.dtype = static_cast<DType>(uniform_int(0, 3));
      std::vector<std::uint8_t> bytes(static_cast<std::size_t>(reach) * dtype_size(in.dtype));
      for (std::int64_t k = 0; k < reach; ++k) {
        switch (in.dtype) {
          case DType::boolean:
            bytes[k] = static_cast<std::uint8_t>(uniform_int(0, 9) == 0 ? 2 : uniform_int(0, 1));
            break;
          case DType::int64: {
            const std::int64_t v = uniform_int(-50, 50);
            std::memcpy(bytes.data() + 8 * k, &v, 8);
            break;
          }
          case DType::float32: {
            const float v = static_cast<float>(random_double());
            std::memcpy(bytes.data() + 4 * k, &v, 4);
            break;
          }
          case DType::float64: {
            const double v = random_double();
            std::memcpy(bytes.data() + 8 * k, &v, 8);
            break;
          }
        }
      }
      c.buffers.push_back(std::move(bytes));
      in.data = c.buffers.back().data();
    }
    return in;
  }

  std::mt19937_64 rng_;
};

// A 2-D program of int64 lanes over (kIntegerRows, kIntegerCols) whose values wrap around:
// x[i, j] = (INT64_MAX - 5000) + 7 * (150 i + j) (passing INT64_MAX), y[i, j] = -2^62 + 3 * (i +
// 100 j) (read down the columns), and min(x * y + x // y - x % 5, y).
inline constexpr std::int64_t kIntegerRows = 100, kIntegerCols = 150;
inline Program wrapping_integer_program() {
  Instruction x;
  x.op = Op::load_arange;
  x.integer = true;
  x.ia = INT64_MAX - 5000;
  x.ib = 7;
  x.map.stride[0] = kIntegerCols;
  x.map.stride[1] = 1;
  Instruction y = x;
  y.ia = -(std::int64_t{1} << 62);
  y.ib = 3;
  y.map.stride[0] = 1;
  y.map.stride[1] = kIntegerRows;
  Instruction five;
  five.op = Op::load_constant;
  five.integer = true;
  five.ia = 5;
  const auto op = [](Op o) {
    Instruction in;
    in.op = o;
    in.integer = true;
    return in;
  };
  Program p;
  p.ndim = 2;
  for (const Instruction& in : {x, y, op(Op::multiply), x, y, op(Op::floor_divide), op(Op::add), x,
                                five, op(Op::remainder), op(Op::subtract), y, op(Op::minimum)})
    p.code[p.size++] = in;
  return p;
}

}  // namespace tessera::kernels::testing
