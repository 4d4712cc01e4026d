// The reference semantics of a Program (program.hpp): what one element evaluates to, and how
// reduction partials accumulate and combine. Shared by the host tile interpreter (which must give
// the same bits), the GPU kernels (one evaluate_element per thread) and the tests.
//
// Bit-for-bit agreement between these and the vectorized host paths needs the same double
// operations in the same order: build everything that evaluates programs with FMA contraction off
// (-ffp-contract=off for g++, --fmad=false for nvcc; tessera::kernels_common sets both).
#pragma once

#include <math.h>  // the global ::sin, ::log, ... overloads exist for nvcc device code too

#include <cstdint>

#include "tessera/kernels/philox.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels {

/// pi as cuRAND's Box-Muller uses it (CURAND_PI_DOUBLE).
inline constexpr double kCurandPi = 3.1415926535897932;

/// Flat index that `map` reads for evaluation-space multi-index idx (ndim entries).
TESSERA_HD TESSERA_INLINE std::int64_t leaf_flat(const Affine& map, int ndim,
                                                 const std::int64_t* idx) {
  std::int64_t flat = map.offset;
  for (int d = 0; d < ndim; ++d) flat += idx[d] * map.stride[d];
  return flat;
}

/// cuRAND's float uniform of 32-bit output k (curandGenerateUniform, host generator): in (0, 1].
TESSERA_HD TESSERA_INLINE float uniform_float(std::uint64_t seed, std::uint64_t k) {
  // Float arithmetic as _curand_uniform does it: the product by 2^-32 is exact, the sum rounds.
  return static_cast<float>(uint32_output(seed, k)) * 0x1p-32f + 0x1p-33f;
}

/// Angle variate of cuRAND's double Box-Muller: 53 bits of (lo, hi) mapped to (0, 2].
TESSERA_HD TESSERA_INLINE double box_muller_angle(std::uint32_t lo, std::uint32_t hi) {
  const std::uint64_t bits = (static_cast<std::uint64_t>(hi) << 21) ^ lo;
  return static_cast<double>(bits) * 0x1p-52 + 0x1p-53;
}

/// Standard normal i as curandGenerateNormalDouble (host generator, Philox, mean 0, stddev 1)
/// writes it: the Philox block holding uniform doubles i and i^1 (philox.hpp) gives u from words
/// (x, y) and v from (z, w) as _curand_box_muller_double does, r = sqrt(-2 log u), and element i is
/// r * sin(v * pi) when i is even, r * cos(v * pi) when odd. With glibc's libm (which cuRAND's host
/// generator calls) this is bit-identical; CUDA's device libm may differ by an ulp or two.
TESSERA_HD TESSERA_INLINE double standard_normal(std::uint64_t seed, std::uint64_t i) {
  const Uint4x32 u = philox_block(seed, uniform_double_block(i));
  const double radius = ::sqrt(-2.0 * ::log(uniform_double_from_bits(u.x, u.y)));
  const double angle = box_muller_angle(u.z, u.w) * kCurandPi;
  return (i & 1u) ? radius * ::cos(angle) : radius * ::sin(angle);
}

/// Element `flat` of a buffer of dtype `dtype` (bool as one byte, nonzero = true), as double.
TESSERA_HD TESSERA_INLINE double buffer_value(const void* data, DType dtype, std::int64_t flat) {
  switch (dtype) {
    case DType::boolean:
      return static_cast<const std::uint8_t*>(data)[flat] != 0 ? 1.0 : 0.0;
    case DType::int64:
      return static_cast<double>(static_cast<const std::int64_t*>(data)[flat]);
    case DType::float32:
      return static_cast<double>(static_cast<const float*>(data)[flat]);
    case DType::float64:
      break;
  }
  return static_cast<const double*>(data)[flat];
}

/// The int64 an integer lane holds, and the lane holding an int64: the same 64 bits.
TESSERA_HD TESSERA_INLINE std::int64_t as_integer(double lane) {
  std::int64_t x;
  __builtin_memcpy(&x, &lane, sizeof x);
  return x;
}
TESSERA_HD TESSERA_INLINE double integer_lane(std::int64_t x) {
  double lane;
  __builtin_memcpy(&lane, &x, sizeof lane);
  return lane;
}

/// int64 arithmetic wraps around as NumPy's does: it is done on the unsigned bits, where C++
/// defines the wrap-around (signed overflow is undefined), and converted back (modular in C++20).
TESSERA_HD TESSERA_INLINE std::uint64_t unsigned_bits(std::int64_t x) {
  return static_cast<std::uint64_t>(x);
}
TESSERA_HD TESSERA_INLINE std::int64_t wrapped(std::uint64_t bits) {
  return static_cast<std::int64_t>(bits);
}

/// The int64 an integer leaf (load_constant, load_arange, load_buffer of int64) has at `flat`.
TESSERA_HD TESSERA_INLINE std::int64_t integer_leaf_value(const Instruction& in,
                                                          std::int64_t flat) {
  switch (in.op) {
    case Op::load_arange:
      return wrapped(unsigned_bits(in.ia) + unsigned_bits(in.ib) * unsigned_bits(flat));
    case Op::load_buffer:
      return static_cast<const std::int64_t*>(in.data)[flat];
    default:
      return in.ia;  // load_constant
  }
}

/// Value a leaf instruction pushes for flat index `flat` (see Op in program.hpp).
TESSERA_HD TESSERA_INLINE double leaf_value(const Instruction& in, std::int64_t flat) {
  if (in.integer) return integer_lane(integer_leaf_value(in, flat));
  const auto k = static_cast<std::uint64_t>(flat);
  switch (in.op) {
    case Op::load_uniform:
      return in.a + (in.b - in.a) * uniform_double(in.seed, k);
    case Op::load_uniform_f32:
      return in.a + (in.b - in.a) * static_cast<double>(uniform_float(in.seed, k));
    case Op::load_normal:
      return in.a + in.b * standard_normal(in.seed, k);
    case Op::load_arange:
      return in.a + in.b * static_cast<double>(flat);
    case Op::load_buffer:
      return buffer_value(in.data, in.dtype, flat);
    default:
      return in.a;  // load_constant
  }
}

/// Whether `op` is a leaf (pushes one value), and how many values a non-leaf pops.
TESSERA_HD TESSERA_INLINE constexpr bool is_leaf(Op op) {
  return op <= Op::load_buffer;
}

/// Number of operands an operator pops (0 for leaves).
TESSERA_HD TESSERA_INLINE constexpr int arity(Op op) {
  return is_leaf(op) ? 0 : op < Op::add ? 1 : op < Op::where ? 2 : 3;
}

/// astype(int64) as double: truncation; NaN and values outside int64 give INT64_MIN (what x86's
/// cvttsd2si, and so NumPy on x86, gives). Never -0: an int64 zero has no sign (1 / x must be
/// +inf), so trunc's -0 for x in (-1, 0] becomes +0.
TESSERA_HD TESSERA_INLINE double truncate_to_int64(double x) {
  return (x >= -0x1p63 && x < 0x1p63) ? ::trunc(x) + 0.0 : -0x1p63;
}

/// Unary operator `op` (negate .. to_bool) applied to x.
template <Op op>
TESSERA_HD TESSERA_INLINE double unary(double x) {
  if constexpr (op == Op::negate) return -x;
  if constexpr (op == Op::absolute) return ::fabs(x);
  if constexpr (op == Op::square_root) return ::sqrt(x);
  if constexpr (op == Op::exponential) return ::exp(x);
  if constexpr (op == Op::logarithm) return ::log(x);
  if constexpr (op == Op::sine) return ::sin(x);
  if constexpr (op == Op::cosine) return ::cos(x);
  if constexpr (op == Op::logical_not) return x == 0 ? 1.0 : 0.0;
  if constexpr (op == Op::to_float32) return static_cast<double>(static_cast<float>(x));
  if constexpr (op == Op::to_int64) return truncate_to_int64(x);
  if constexpr (op == Op::to_bool) return x != 0 ? 1.0 : 0.0;
  return x;  // to_float64 of a double
}

/// NumPy's floor division of doubles (npy_divmod, npy_floor_divide): the quotient.
TESSERA_HD TESSERA_INLINE double floor_divide_double(double a, double b) {
  if (b == 0) return a / b;
  const double mod = ::fmod(a, b);
  double div = (a - mod) / b;
  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1.0;
  if (div == 0) return ::copysign(0.0, a / b);
  double floordiv = ::floor(div);
  if (div - floordiv > 0.5) floordiv += 1.0;
  return floordiv;
}

/// NumPy's remainder of doubles (npy_divmod, npy_remainder): the sign of b.
TESSERA_HD TESSERA_INLINE double remainder_double(double a, double b) {
  const double mod = ::fmod(a, b);
  if (b == 0) return mod;
  if (mod == 0) return ::copysign(0.0, b);
  return (b < 0) != (mod < 0) ? mod + b : mod;
}

/// Binary operator `op` (add .. integer_power) applied to (a, b).
template <Op op>
TESSERA_HD TESSERA_INLINE double binary(double a, double b) {
  if constexpr (op == Op::add) return a + b;
  if constexpr (op == Op::subtract) return a - b;
  if constexpr (op == Op::multiply) return a * b;
  if constexpr (op == Op::divide) return a / b;
  if constexpr (op == Op::power) return ::pow(a, b);
  // NumPy's minimum/maximum: a NaN in either operand gives NaN.
  if constexpr (op == Op::minimum) return (a < b || a != a) ? a : b;
  if constexpr (op == Op::maximum) return (a > b || a != a) ? a : b;
  if constexpr (op == Op::equal) return a == b ? 1.0 : 0.0;
  if constexpr (op == Op::not_equal) return a != b ? 1.0 : 0.0;
  if constexpr (op == Op::less) return a < b ? 1.0 : 0.0;
  if constexpr (op == Op::less_equal) return a <= b ? 1.0 : 0.0;
  if constexpr (op == Op::greater) return a > b ? 1.0 : 0.0;
  if constexpr (op == Op::greater_equal) return a >= b ? 1.0 : 0.0;
  if constexpr (op == Op::logical_and) return (a != 0 && b != 0) ? 1.0 : 0.0;
  if constexpr (op == Op::logical_or) return (a != 0 || b != 0) ? 1.0 : 0.0;
  if constexpr (op == Op::integer_power) return b < 0 ? ::nan("") : ::pow(a, b);
  if constexpr (op == Op::floor_divide) return floor_divide_double(a, b);
  if constexpr (op == Op::remainder) return remainder_double(a, b);
  return a;
}

/// NumPy's int64 floor division: 0 for b == 0, and INT64_MIN // -1 wraps to INT64_MIN (NumPy
/// warns of both and gives these values).
TESSERA_HD TESSERA_INLINE std::int64_t floor_divide_int64(std::int64_t a, std::int64_t b) {
  if (b == 0) return 0;
  if (b == -1) return wrapped(0 - unsigned_bits(a));  // a / -1 would trap for INT64_MIN
  const std::int64_t q = a / b;
  return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/// NumPy's int64 remainder, with the sign of b: 0 for b == 0 (and b == -1, whose C++ remainder
/// of INT64_MIN would trap).
TESSERA_HD TESSERA_INLINE std::int64_t remainder_int64(std::int64_t a, std::int64_t b) {
  if (b == 0 || b == -1) return 0;
  const std::int64_t r = a % b;
  return (r != 0 && (r < 0) != (b < 0)) ? r + b : r;
}

/// a ** b of int64s by repeated squaring, wrapping around as NumPy's does; 0 for b < 0 (which
/// NumPy refuses; the host evaluator throws before getting here).
TESSERA_HD TESSERA_INLINE std::int64_t power_int64(std::int64_t a, std::int64_t b) {
  if (b < 0) return 0;
  std::uint64_t result = 1, base = unsigned_bits(a);
  for (std::uint64_t e = unsigned_bits(b); e != 0; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return wrapped(result);
}

/// to_int64 with `integer` set: double x as an integer lane (truncation; NaN and out of range:
/// INT64_MIN, as to_int64_storage).
TESSERA_HD TESSERA_INLINE double to_int64_lane(double x) {
  return integer_lane((x >= -0x1p63 && x < 0x1p63) ? static_cast<std::int64_t>(x) : INT64_MIN);
}

/// Unary operator `op` of an instruction with `integer` set, applied to integer lane x: int64
/// results as lanes, the others (logical_not, to_bool, to_float32, to_float64) as doubles.
/// to_int64 with `integer` is the exception: its operand is a double, which it converts
/// (to_int64_lane). Operators without an integer form (square_root, ...) leave the lane alone.
template <Op op>
TESSERA_HD TESSERA_INLINE double integer_unary(double lane) {
  if constexpr (op == Op::to_int64) return to_int64_lane(lane);
  const std::int64_t x = as_integer(lane);
  if constexpr (op == Op::negate) return integer_lane(wrapped(0 - unsigned_bits(x)));
  // NumPy's abs(INT64_MIN) is INT64_MIN: the negation wraps.
  if constexpr (op == Op::absolute) return integer_lane(x < 0 ? wrapped(0 - unsigned_bits(x)) : x);
  if constexpr (op == Op::logical_not) return x == 0 ? 1.0 : 0.0;
  if constexpr (op == Op::to_float32) return static_cast<double>(static_cast<float>(x));
  if constexpr (op == Op::to_bool) return x != 0 ? 1.0 : 0.0;
  if constexpr (op == Op::to_float64) return static_cast<double>(x);
  return lane;
}

/// Binary operator `op` of an instruction with `integer` set, applied to integer lanes (a, b):
/// arithmetic as lanes, comparisons and logical operators as doubles 0/1.
template <Op op>
TESSERA_HD TESSERA_INLINE double integer_binary(double a_lane, double b_lane) {
  const std::int64_t a = as_integer(a_lane), b = as_integer(b_lane);
  if constexpr (op == Op::add) return integer_lane(wrapped(unsigned_bits(a) + unsigned_bits(b)));
  if constexpr (op == Op::subtract)
    return integer_lane(wrapped(unsigned_bits(a) - unsigned_bits(b)));
  if constexpr (op == Op::multiply)
    return integer_lane(wrapped(unsigned_bits(a) * unsigned_bits(b)));
  if constexpr (op == Op::minimum) return integer_lane(a < b ? a : b);
  if constexpr (op == Op::maximum) return integer_lane(a > b ? a : b);
  if constexpr (op == Op::equal) return a == b ? 1.0 : 0.0;
  if constexpr (op == Op::not_equal) return a != b ? 1.0 : 0.0;
  if constexpr (op == Op::less) return a < b ? 1.0 : 0.0;
  if constexpr (op == Op::less_equal) return a <= b ? 1.0 : 0.0;
  if constexpr (op == Op::greater) return a > b ? 1.0 : 0.0;
  if constexpr (op == Op::greater_equal) return a >= b ? 1.0 : 0.0;
  if constexpr (op == Op::logical_and) return (a != 0 && b != 0) ? 1.0 : 0.0;
  if constexpr (op == Op::logical_or) return (a != 0 || b != 0) ? 1.0 : 0.0;
  if constexpr (op == Op::integer_power) return integer_lane(power_int64(a, b));
  if constexpr (op == Op::floor_divide) return integer_lane(floor_divide_int64(a, b));
  if constexpr (op == Op::remainder) return integer_lane(remainder_int64(a, b));
  return a_lane;
}

/// Whether `op` yields a truth value 0/1: the comparisons and the logical operators.
TESSERA_HD TESSERA_INLINE constexpr bool yields_truth(Op op) {
  return (op >= Op::equal && op <= Op::logical_or) || op == Op::logical_not;
}

/// Whether `in` pushes an integer lane: leaves and to_int64 with `integer`, and the arithmetic of
/// integer lanes (negate, absolute, add, subtract, multiply, minimum, maximum, integer_power,
/// floor_divide, remainder, where). Comparisons, logical operators and the other conversions push
/// doubles.
TESSERA_HD TESSERA_INLINE constexpr bool pushes_integer(const Instruction& in) {
  return in.integer && !yields_truth(in.op) && in.op != Op::to_float32 && in.op != Op::to_bool &&
         in.op != Op::to_float64;
}

/// Whether a (valid) program's result is an integer lane: what its last instruction pushes.
TESSERA_HD TESSERA_INLINE constexpr bool result_is_integer(const Program& program) {
  return pushes_integer(program.code[program.size - 1]);
}

/// where(a, b, c): b where a is nonzero (NaN counts as true), else c.
TESSERA_HD TESSERA_INLINE double select(double a, double b, double c) {
  return a != 0 ? b : c;
}

/// An operator as a type: what the dispatchers below hand to their visitor, so that one switch
/// over the operators serves every template that is instantiated per operator.
template <Op op>
struct OpConstant {
  static constexpr Op value = op;
};

/// A reduction as a type, for visit_reduce_op.
template <ReduceOp op>
struct ReduceOpConstant {
  static constexpr ReduceOp value = op;
};

/// Returns visit(OpConstant<op>{}) for the unary operator `op` known only at run time: the one
/// switch over the unary operators, shared by apply_unary, apply_integer_unary and the host's tile
/// loops (tile_loops_impl.hpp), so an operator added to Op is dispatched everywhere at once.
/// to_float64 (and anything that is not a unary operator) visits to_float64.
template <class Visit>
TESSERA_HD TESSERA_INLINE decltype(auto) visit_unary(Op op, Visit&& visit) {
  switch (op) {
    case Op::negate:
      return visit(OpConstant<Op::negate>{});
    case Op::absolute:
      return visit(OpConstant<Op::absolute>{});
    case Op::square_root:
      return visit(OpConstant<Op::square_root>{});
    case Op::exponential:
      return visit(OpConstant<Op::exponential>{});
    case Op::logarithm:
      return visit(OpConstant<Op::logarithm>{});
    case Op::sine:
      return visit(OpConstant<Op::sine>{});
    case Op::cosine:
      return visit(OpConstant<Op::cosine>{});
    case Op::logical_not:
      return visit(OpConstant<Op::logical_not>{});
    case Op::to_float32:
      return visit(OpConstant<Op::to_float32>{});
    case Op::to_int64:
      return visit(OpConstant<Op::to_int64>{});
    case Op::to_bool:
      return visit(OpConstant<Op::to_bool>{});
    default:
      return visit(OpConstant<Op::to_float64>{});
  }
}

/// Returns visit(OpConstant<op>{}) for the binary operator `op` known only at run time (the one
/// switch over them, as visit_unary). Anything that is not a binary operator visits Op::where,
/// for which binary() and integer_binary() return their first operand.
template <class Visit>
TESSERA_HD TESSERA_INLINE decltype(auto) visit_binary(Op op, Visit&& visit) {
  switch (op) {
    case Op::add:
      return visit(OpConstant<Op::add>{});
    case Op::subtract:
      return visit(OpConstant<Op::subtract>{});
    case Op::multiply:
      return visit(OpConstant<Op::multiply>{});
    case Op::divide:
      return visit(OpConstant<Op::divide>{});
    case Op::power:
      return visit(OpConstant<Op::power>{});
    case Op::minimum:
      return visit(OpConstant<Op::minimum>{});
    case Op::maximum:
      return visit(OpConstant<Op::maximum>{});
    case Op::equal:
      return visit(OpConstant<Op::equal>{});
    case Op::not_equal:
      return visit(OpConstant<Op::not_equal>{});
    case Op::less:
      return visit(OpConstant<Op::less>{});
    case Op::less_equal:
      return visit(OpConstant<Op::less_equal>{});
    case Op::greater:
      return visit(OpConstant<Op::greater>{});
    case Op::greater_equal:
      return visit(OpConstant<Op::greater_equal>{});
    case Op::logical_and:
      return visit(OpConstant<Op::logical_and>{});
    case Op::logical_or:
      return visit(OpConstant<Op::logical_or>{});
    case Op::integer_power:
      return visit(OpConstant<Op::integer_power>{});
    case Op::floor_divide:
      return visit(OpConstant<Op::floor_divide>{});
    case Op::remainder:
      return visit(OpConstant<Op::remainder>{});
    default:
      return visit(OpConstant<Op::where>{});
  }
}

/// Returns visit(ReduceOpConstant<op>{}) for the reduction `op` known only at run time. The last
/// reduction, max_int64, is the default case, so that every path returns.
template <class Visit>
TESSERA_HD TESSERA_INLINE decltype(auto) visit_reduce_op(ReduceOp op, Visit&& visit) {
  switch (op) {
    case ReduceOp::sum:
      return visit(ReduceOpConstant<ReduceOp::sum>{});
    case ReduceOp::prod:
      return visit(ReduceOpConstant<ReduceOp::prod>{});
    case ReduceOp::min:
      return visit(ReduceOpConstant<ReduceOp::min>{});
    case ReduceOp::max:
      return visit(ReduceOpConstant<ReduceOp::max>{});
    case ReduceOp::any:
      return visit(ReduceOpConstant<ReduceOp::any>{});
    case ReduceOp::all:
      return visit(ReduceOpConstant<ReduceOp::all>{});
    case ReduceOp::moments:
      return visit(ReduceOpConstant<ReduceOp::moments>{});
    case ReduceOp::sum_int64:
      return visit(ReduceOpConstant<ReduceOp::sum_int64>{});
    case ReduceOp::prod_int64:
      return visit(ReduceOpConstant<ReduceOp::prod_int64>{});
    case ReduceOp::min_int64:
      return visit(ReduceOpConstant<ReduceOp::min_int64>{});
    default:
      return visit(ReduceOpConstant<ReduceOp::max_int64>{});
  }
}

/// Unary operator `op` applied to x, dispatched at run time.
TESSERA_HD inline double apply_unary(Op op, double x) {
  return visit_unary(op, [x](auto o) { return unary<decltype(o)::value>(x); });
}

/// Unary operator `op` of an instruction with `integer` set (integer_unary), dispatched at run
/// time; to_int64 converts a double (to_int64_lane).
TESSERA_HD inline double apply_integer_unary(Op op, double x) {
  return visit_unary(op, [x](auto o) { return integer_unary<decltype(o)::value>(x); });
}

/// Binary operator `op` applied to (a, b), dispatched at run time.
TESSERA_HD inline double apply_binary(Op op, double a, double b) {
  return visit_binary(op, [a, b](auto o) { return binary<decltype(o)::value>(a, b); });
}

/// Binary operator `op` of integer lanes (integer_binary), dispatched at run time.
TESSERA_HD inline double apply_integer_binary(Op op, double a, double b) {
  return visit_binary(op, [a, b](auto o) { return integer_binary<decltype(o)::value>(a, b); });
}

/// evaluate_element's default way to read a leaf: leaf_value at the leaf's flat index.
struct LeafValue {
  TESSERA_HD TESSERA_INLINE double operator()(int /*instruction*/, const Instruction& in,
                                              std::int64_t flat) const {
    return leaf_value(in, flat);
  }
};

/// The program's value at evaluation-space multi-index idx (program.ndim entries). The program
/// must be valid (validate() in program_validate.hpp); nothing is checked here. Leaf i pushes
/// load(i, program.code[i], flat): a kernel that has some leaf's values at hand already (the GPU's
/// shared-memory tiles of transposed buffers) passes a `load` that returns them, which must be the
/// values leaf_value would give.
template <class LeafLoad = LeafValue>
TESSERA_HD inline double evaluate_element(const Program& program, const std::int64_t* idx,
                                          const LeafLoad& load = LeafLoad{}) {
  double stack[kMaxStack];
  int top = 0;  // number of values on the stack
  for (int i = 0; i < program.size; ++i) {
    const Instruction& in = program.code[i];
    if (is_leaf(in.op)) {
      stack[top++] = load(i, in, leaf_flat(in.map, program.ndim, idx));
    } else if (in.op < Op::add) {
      stack[top - 1] = in.integer ? apply_integer_unary(in.op, stack[top - 1])
                                  : apply_unary(in.op, stack[top - 1]);
    } else if (in.op < Op::where) {
      --top;
      stack[top - 1] = in.integer ? apply_integer_binary(in.op, stack[top - 1], stack[top])
                                  : apply_binary(in.op, stack[top - 1], stack[top]);
    } else {
      top -= 2;
      stack[top - 1] = select(stack[top - 1], stack[top], stack[top + 1]);
    }
  }
  return stack[0];  // selecting an integer lane (where) moves its bits unchanged
}

/// Converts an evaluated value to int64 storage (truncation; NaN and out of range: INT64_MIN).
TESSERA_HD TESSERA_INLINE std::int64_t to_int64_storage(double x) {
  return (x >= -0x1p63 && x < 0x1p63) ? static_cast<std::int64_t>(x) : INT64_MIN;
}

/// Writes x as element `i` of `out` in dtype `type` (bool: nonzero as one byte 1; float32: round
/// to nearest).
TESSERA_HD TESSERA_INLINE void store_as(DType type, void* out, std::int64_t i, double x) {
  switch (type) {
    case DType::boolean:
      static_cast<std::uint8_t*>(out)[i] = x != 0 ? 1 : 0;
      break;
    case DType::int64:
      static_cast<std::int64_t*>(out)[i] = to_int64_storage(x);
      break;
    case DType::float32:
      static_cast<float*>(out)[i] = static_cast<float>(x);
      break;
    case DType::float64:
      static_cast<double*>(out)[i] = x;
      break;
  }
}

/// Writes integer lane x as element `i` of `out` in dtype `type` (bool: nonzero as 1; float32 and
/// float64: the nearest value, as NumPy's astype).
TESSERA_HD TESSERA_INLINE void store_integer_as(DType type, void* out, std::int64_t i, double x) {
  const std::int64_t value = as_integer(x);
  switch (type) {
    case DType::boolean:
      static_cast<std::uint8_t*>(out)[i] = value != 0 ? 1 : 0;
      break;
    case DType::int64:
      static_cast<std::int64_t*>(out)[i] = value;
      break;
    case DType::float32:
      static_cast<float*>(out)[i] = static_cast<float>(value);
      break;
    case DType::float64:
      static_cast<double*>(out)[i] = static_cast<double>(value);
      break;
  }
}

/// Writes a program's result x (an integer lane when `integer`) as element `i` of `out`.
TESSERA_HD TESSERA_INLINE void store_result(bool integer, DType type, void* out, std::int64_t i,
                                            double x) {
  integer ? store_integer_as(type, out, i, x) : store_as(type, out, i, x);
}

/// The empty partial of `op`: combining it with any partial p gives p.
TESSERA_HD TESSERA_INLINE Partial identity(ReduceOp op) {
  Partial p;
  switch (op) {
    case ReduceOp::prod:
    case ReduceOp::all:
      p.value = 1;
      break;
    case ReduceOp::min:
      p.value = __builtin_huge_val();
      break;
    case ReduceOp::max:
      p.value = -__builtin_huge_val();
      break;
    case ReduceOp::prod_int64:
      p.value = integer_lane(1);
      break;
    case ReduceOp::min_int64:
      p.value = integer_lane(INT64_MAX);
      break;
    case ReduceOp::max_int64:
      p.value = integer_lane(INT64_MIN);
      break;
    default:  // sum_int64's 0 has the bits of 0.0
      break;
  }
  return p;
}

/// Whether `op` reduces integer lanes into int64 partials.
TESSERA_HD TESSERA_INLINE constexpr bool is_integer_reduction(ReduceOp op) {
  return op == ReduceOp::sum_int64 || op == ReduceOp::prod_int64 || op == ReduceOp::min_int64 ||
         op == ReduceOp::max_int64;
}

/// The integer reductions' step, for accumulating and combining alike: integer lanes a and b
/// summed or multiplied (wrapping around), or their minimum or maximum.
TESSERA_HD TESSERA_INLINE double reduce_integers(ReduceOp op, double a_lane, double b_lane) {
  const std::int64_t a = as_integer(a_lane), b = as_integer(b_lane);
  switch (op) {
    case ReduceOp::sum_int64:
      return integer_lane(wrapped(unsigned_bits(a) + unsigned_bits(b)));
    case ReduceOp::prod_int64:
      return integer_lane(wrapped(unsigned_bits(a) * unsigned_bits(b)));
    case ReduceOp::min_int64:
      return integer_lane(a < b ? a : b);
    default:  // max_int64
      return integer_lane(a > b ? a : b);
  }
}

/// NaN-propagating min and max of two values (a NaN in either gives NaN).
TESSERA_HD TESSERA_INLINE double nan_min(double a, double b) {
  return binary<Op::minimum>(a, b);
}
TESSERA_HD TESSERA_INLINE double nan_max(double a, double b) {
  return binary<Op::maximum>(a, b);
}

/// a + b as an unevaluated pair (hi, lo) with hi = fl(a + b), exactly (Knuth's TwoSum; needs
/// FMA contraction off, which this header's users build with).
struct DoubleSum {
  double hi, lo;
};
TESSERA_HD TESSERA_INLINE DoubleSum two_sum(double a, double b) {
  const double hi = a + b;
  const double b_part = hi - a;
  const double a_part = hi - b_part;
  return {hi, (a - a_part) + (b - b_part)};
}

/// True for a finite x (x - x is NaN for infinities and NaN): one subtraction and one compare,
/// which vectorizes.
TESSERA_HD TESSERA_INLINE bool is_finite(double x) {
  return x - x == 0;
}

/// when ? a : b through the bits: both operands are used whatever `when` is, so the compiler
/// cannot sink their computation into a branch (where, as floating-point operations that may
/// trap, it would have to stay a branch) and the lane loops vectorize.
TESSERA_HD TESSERA_INLINE double select_bits(bool when, double a, double b) {
  std::uint64_t x, y;
  __builtin_memcpy(&x, &a, sizeof x);
  __builtin_memcpy(&y, &b, sizeof y);
  const std::uint64_t mask = 0 - static_cast<std::uint64_t>(when);
  const std::uint64_t bits = (x & mask) | (y & ~mask);
  double r;
  __builtin_memcpy(&r, &bits, sizeof r);
  return r;
}

/// The two-part mean `finite_update` of a moments partial, unless the mean or what joins it
/// (`mean`, `other`) is infinite or NaN: then the mean is what the sum of the values would give
/// (NumPy's mean is sum / n): `mean + other` keeps one infinity, makes opposite ones or a NaN
/// NaN, and any finite `other` leaves it (Welford's and Chan's updates would subtract the
/// infinity from itself).
TESSERA_HD TESSERA_INLINE DoubleSum mean_update(const DoubleSum& finite_update, double mean,
                                                double other) {
  const bool finite = is_finite((mean - mean) + (other - other));  // NaN unless both finite
  return {select_bits(finite, finite_update.hi, mean + other),
          select_bits(finite, finite_update.lo, 0.0)};
}

/// Adds one value to a partial (moments by Welford's update on the two-part mean).
TESSERA_HD TESSERA_INLINE void accumulate(Partial& p, double v, ReduceOp op) {
  p.count += 1;
  switch (op) {
    case ReduceOp::sum:
      p.value += v;
      break;
    case ReduceOp::prod:
      p.value *= v;
      break;
    case ReduceOp::min:
      p.value = nan_min(p.value, v);
      break;
    case ReduceOp::max:
      p.value = nan_max(p.value, v);
      break;
    case ReduceOp::any:
      p.value = (p.value != 0 || v != 0) ? 1.0 : 0.0;
      break;
    case ReduceOp::all:
      p.value = (p.value != 0 && v != 0) ? 1.0 : 0.0;
      break;
    case ReduceOp::sum_int64:
    case ReduceOp::prod_int64:
    case ReduceOp::min_int64:
    case ReduceOp::max_int64:
      p.value = reduce_integers(op, p.value, v);
      break;
    case ReduceOp::moments: {
      // With an infinite v or mean, M2 becomes NaN (inf * NaN or inf - inf), as NumPy's var
      // of data holding an infinity is; the mean follows mean_update.
      const double delta = (v - p.mean) - p.value;
      const DoubleSum mean = mean_update(two_sum(p.mean, p.value + delta / p.count), p.mean, v);
      p.mean = mean.hi;
      p.value = mean.lo;
      p.m2 += delta * ((v - p.mean) - p.value);
      break;
    }
  }
}

/// combine() of two partials that both hold elements (count > 0).
TESSERA_HD TESSERA_INLINE Partial combine_nonempty(const Partial& a, const Partial& b,
                                                   ReduceOp op) {
  Partial p;
  p.count = a.count + b.count;
  switch (op) {
    case ReduceOp::sum:
      p.value = a.value + b.value;
      break;
    case ReduceOp::prod:
      p.value = a.value * b.value;
      break;
    case ReduceOp::min:
      p.value = nan_min(a.value, b.value);
      break;
    case ReduceOp::max:
      p.value = nan_max(a.value, b.value);
      break;
    case ReduceOp::any:
      p.value = (a.value != 0 || b.value != 0) ? 1.0 : 0.0;
      break;
    case ReduceOp::all:
      p.value = (a.value != 0 && b.value != 0) ? 1.0 : 0.0;
      break;
    case ReduceOp::sum_int64:
    case ReduceOp::prod_int64:
    case ReduceOp::min_int64:
    case ReduceOp::max_int64:
      p.value = reduce_integers(op, a.value, b.value);
      break;
    case ReduceOp::moments: {
      // Chan et al.: delta = mean_b - mean_a, mean = mean_a + delta * n_b / n,
      // M2 = M2_a + M2_b + delta^2 * n_a * n_b / n; the means carried in two parts.
      const double delta = (b.mean - a.mean) + (b.value - a.value);
      const DoubleSum mean =
          mean_update(two_sum(a.mean, a.value + delta * b.count / p.count), a.mean, b.mean);
      p.mean = mean.hi;
      p.value = mean.lo;
      p.m2 = a.m2 + b.m2 + delta * delta * a.count * b.count / p.count;
      break;
    }
  }
  return p;
}

/// The partial of the union of a's and b's elements. An empty operand (count 0) returns the other
/// unchanged; moments combine by Chan et al.'s parallel formula.
TESSERA_HD TESSERA_INLINE Partial combine(const Partial& a, const Partial& b, ReduceOp op) {
  if (b.count == 0) return a;
  if (a.count == 0) return b;
  return combine_nonempty(a, b, op);
}

}  // namespace tessera::kernels
