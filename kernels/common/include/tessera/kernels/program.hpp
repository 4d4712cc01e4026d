#pragma once
// A fused array expression as the kernels run it: a postfix program over leaves, evaluated for
// every element of a box of the "evaluation space" (the index space of the expression before any
// reduction). Lowering (core/) builds it; host (kernels/host) and device (kernels/cuda) kernels
// run it. Every leaf reads its element through an affine map of the evaluation-space multi-index,
// which is how transposes and broadcasts cost nothing: they are only strides.
//
// Values are carried in 64-bit lanes while evaluating: bool, float32 and float64 values as doubles
// (bool as 0/1), int64 values as the integers themselves (their bits in the lane), so that int64
// arithmetic is exact over the whole range and wraps around as NumPy's does. Each instruction says
// which kind its operands are (Instruction::integer); conversions between the kinds are explicit
// instructions, placed where NumPy converts. The result is converted once to the output dtype.

#include <cstdint>

#include "tessera/kernels/dtype.hpp"
#include "tessera/kernels/hd.hpp"

namespace tessera::kernels {

inline constexpr int kMaxDims = 8;
inline constexpr int kMaxInstructions = 64;
inline constexpr int kMaxStack = 16;

/// Leaf flat index for evaluation-space multi-index idx: offset + sum_d idx[d] * stride[d].
/// Broadcast dimensions have stride 0; a transpose permutes the strides.
struct Affine {
  std::int64_t offset = 0;
  std::int64_t stride[kMaxDims] = {};
};

enum class Op : std::uint8_t {
  // Leaves push one value.
  load_uniform,      ///< a + (b - a) * U, U = uniform_double(seed, flat) (cuRAND Philox doubles)
  load_uniform_f32,  ///< a + (b - a) * U32, U32 = cuRAND's float uniform of 32-bit output `flat`
  load_normal,       ///< a + b * Z, Z standard normal from Box-Muller of the uniform doubles
  load_constant,     ///< a (integer: ia)
  load_arange,       ///< a + b * flat (integer: ia + ib * flat, wrapping around)
  load_buffer,       ///< data[flat] of dtype `dtype` (host or device memory, as the kernel needs)
  // Unary: replace the top.
  negate,
  absolute,
  square_root,
  exponential,
  logarithm,
  sine,
  cosine,
  logical_not,
  to_float32,  ///< round to float32 precision (a float32 result of an operation)
  to_int64,    ///< truncate toward zero (astype(int64)); with `integer`: into an int64 lane
  to_bool,     ///< != 0
  to_float64,  ///< of an integer: the nearest double (NumPy's int64 -> float64); else itself
  // Binary: pop b, pop a, push a op b.
  add,
  subtract,
  multiply,
  divide,
  power,
  minimum,
  maximum,
  equal,
  not_equal,
  less,
  less_equal,
  greater,
  greater_equal,
  logical_and,
  logical_or,
  /// a ** b of integers: pow(a, b) of doubles, and NaN for b < 0, which NumPy refuses ("Integers
  /// to negative integer powers are not allowed"); with `integer`, of int64 lanes by repeated
  /// squaring, wrapping around as NumPy's does, and 0 for b < 0. The host evaluator throws
  /// std::domain_error naming a and b instead.
  integer_power,
  /// NumPy's floor_divide (a // b): floor(a / b). int64: 0 for b == 0 and INT64_MIN // -1 ==
  /// INT64_MIN, as NumPy gives (with a warning). float: NumPy's npy_divmod quotient.
  floor_divide,
  /// NumPy's remainder (a % b), with the sign of b. int64: 0 for b == 0. float: npy_divmod's.
  remainder,
  // Ternary: pop c (else), pop b (then), pop a (condition), push a ? b : c.
  where,
};

struct Instruction {
  Op op = Op::load_constant;
  DType dtype = DType::float64;  ///< load_buffer: element type of `data`
  /// Leaves: the value pushed is an int64 lane (load_constant, load_arange, and load_buffer of
  /// dtype int64 only). to_int64: it turns a double into an int64 lane. Other instructions: their
  /// operands are int64 lanes (where: its two branches; its condition is always a double). Which
  /// kind an instruction pushes follows from this and its op (pushes_integer in program_eval.hpp);
  /// validate() checks that the kinds meet.
  bool integer = false;
  double a = 0, b = 0;          ///< leaf parameters (see Op)
  std::int64_t ia = 0, ib = 0;  ///< integer leaves' parameters (see Op)
  std::uint64_t seed = 0;       ///< random leaves
  const void* data = nullptr;   ///< load_buffer
  Affine map;                   ///< leaves: where the element comes from
};

/// A program and the evaluation space it runs in. Plain data: copyable to a GPU by value.
struct Program {
  int ndim = 0;  ///< evaluation-space dimensions (0 for a scalar)
  int size = 0;  ///< instructions used
  Instruction code[kMaxInstructions];
};

/// A box [lo, hi) of the evaluation space.
struct Box {
  std::int64_t lo[kMaxDims] = {};
  std::int64_t hi[kMaxDims] = {};
};

/// Reductions a kernel can finish a program with.
enum class ReduceOp : std::uint8_t {
  sum,
  prod,
  min,
  max,
  any,
  all,
  moments,  ///< count, mean and M2 (sum of squared deviations): mean, var, std
  // Of int64 lanes, in int64 partials: sums and products wrap around as NumPy's do.
  sum_int64,
  prod_int64,
  min_int64,
  max_int64,
};

/// Partial result of a reduction for one output element. sum/prod/min/max/any/all use `value`
/// (any/all as 0/1; the *_int64 reductions hold the int64 in value's bits: as_integer()); moments
/// use count, mean, m2, and `value` as the low-order part of the mean: the mean is mean + value to
/// about twice double precision (`mean` alone is it rounded to double), so that combining partials
/// of data like 1e9 + U loses nothing to the rounding of their means. count is always filled.
struct Partial {
  double value = 0;
  double count = 0;
  double mean = 0;
  double m2 = 0;
};

}  // namespace tessera::kernels
