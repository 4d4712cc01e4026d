// Checks of a Program and Box before a kernel runs them (host code only). The kernels themselves
// trust their input, so every host and CUDA entry point calls validate() first.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include "tessera/kernels/program.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels {

namespace detail {

[[noreturn]] inline void invalid_program(const std::string& what) {
  throw std::invalid_argument("tessera::kernels: " + what);
}

// Smallest and largest flat index `map` reads over the box, or false on int64 overflow.
inline bool flat_range(const Affine& map, int ndim, const Box& box, std::int64_t& lo,
                       std::int64_t& hi) {
  lo = hi = map.offset;
  for (int d = 0; d < ndim; ++d) {
    std::int64_t a = 0, b = 0;
    if (__builtin_mul_overflow(box.lo[d], map.stride[d], &a) ||
        __builtin_mul_overflow(box.hi[d] - 1, map.stride[d], &b)) {
      return false;
    }
    if (__builtin_add_overflow(lo, a < b ? a : b, &lo) ||
        __builtin_add_overflow(hi, a < b ? b : a, &hi)) {
      return false;
    }
  }
  return true;
}

// Whether an instruction with `integer` set means something for `op` (program.hpp): float-only
// math (sqrt, exp, log, sin, cos, true division and float power) and random leaves have no
// integer form.
inline bool has_integer_form(Op op) {
  switch (op) {
    case Op::load_uniform:
    case Op::load_uniform_f32:
    case Op::load_normal:
    case Op::square_root:
    case Op::exponential:
    case Op::logarithm:
    case Op::sine:
    case Op::cosine:
    case Op::divide:
    case Op::power:
      return false;
    default:
      return true;
  }
}

inline const char* kind_name(bool integer) {
  return integer ? "an int64 lane" : "a double";
}

// Checks that the operands of `in` (the top `pops` kinds of `kinds`, of which there are `depth`)
// are the kinds it takes: a where's condition a double and its branches its kind, to_int64 with
// `integer` a double, every other operator's operands its kind.
inline void check_operand_kinds(const Instruction& in, const std::string& where, const bool* kinds,
                                int depth, int pops) {
  for (int k = 0; k < pops; ++k) {
    const bool operand = kinds[depth - pops + k];
    bool wanted = in.integer;
    if ((in.op == Op::where && k == 0) || in.op == Op::to_int64) wanted = false;
    if (operand != wanted) {
      invalid_program(where + ": operand " + std::to_string(k) + " of op " +
                      std::to_string(static_cast<int>(in.op)) + " is " + kind_name(operand) +
                      ", but the instruction takes " + kind_name(wanted));
    }
  }
}

}  // namespace detail

/// Throws std::invalid_argument, naming the bad value, unless `program` is well formed (ndim and
/// size in range, known ops and dtypes, no stack underflow or overflow, exactly one result, buffer
/// leaves with data, `integer` only where it has a meaning and operands of the kinds their
/// instructions take) and `box` is a non-empty box whose leaves read flat indices in [0, 2^63).
inline void validate(const Program& program, const Box& box) {
  using std::to_string;
  if (program.ndim < 0 || program.ndim > kMaxDims) {
    detail::invalid_program("program.ndim " + to_string(program.ndim) + " is outside [0, " +
                            to_string(kMaxDims) + "]");
  }
  if (program.size < 1 || program.size > kMaxInstructions) {
    detail::invalid_program("program.size " + to_string(program.size) + " is outside [1, " +
                            to_string(kMaxInstructions) + "]");
  }
  std::int64_t elements = 1;
  for (int d = 0; d < program.ndim; ++d) {
    if (box.hi[d] <= box.lo[d]) {
      detail::invalid_program("empty box: dimension " + to_string(d) + " is [" +
                              to_string(box.lo[d]) + ", " + to_string(box.hi[d]) + ")");
    }
    if (__builtin_mul_overflow(elements, box.hi[d] - box.lo[d], &elements)) {
      detail::invalid_program("box has more than 2^63 elements (dimension " + to_string(d) + ")");
    }
  }
  int depth = 0;
  bool kinds[kMaxStack + 1] = {};  // whether each stack entry is an integer lane
  for (int i = 0; i < program.size; ++i) {
    const Instruction& in = program.code[i];
    const std::string where = "instruction " + to_string(i);
    if (in.op > Op::where) {
      detail::invalid_program(where + ": unknown op " + to_string(static_cast<int>(in.op)));
    }
    if (in.integer && !detail::has_integer_form(in.op)) {
      detail::invalid_program(where + ": op " + to_string(static_cast<int>(in.op)) +
                              " has no int64 form");
    }
    const int pops = arity(in.op);
    if (pops > depth) {
      detail::invalid_program(where + ": stack underflow (op " +
                              to_string(static_cast<int>(in.op)) + " pops " + to_string(pops) +
                              ", stack holds " + to_string(depth) + ")");
    }
    detail::check_operand_kinds(in, where, kinds, depth, pops);
    depth += 1 - pops;
    if (depth > kMaxStack) {
      detail::invalid_program(where + ": stack overflow (depth " + to_string(depth) + " > " +
                              to_string(kMaxStack) + ")");
    }
    kinds[depth - 1] = pushes_integer(in);
    if (!is_leaf(in.op) || in.op == Op::load_constant) continue;
    if (in.op == Op::load_buffer) {
      if (in.dtype > DType::float64) {
        detail::invalid_program(where + ": unknown dtype " + to_string(static_cast<int>(in.dtype)));
      }
      if (in.data == nullptr) detail::invalid_program(where + ": load_buffer without data");
      if (in.integer && in.dtype != DType::int64) {
        detail::invalid_program(where + ": an int64 load_buffer of dtype " +
                                to_string(static_cast<int>(in.dtype)));
      }
    }
    std::int64_t lo = 0, hi = 0;
    if (!detail::flat_range(in.map, program.ndim, box, lo, hi)) {
      detail::invalid_program(where + ": flat index overflows int64 over the box");
    }
    if (lo < 0 && in.op != Op::load_arange) {
      detail::invalid_program(where + ": reads negative flat index " + to_string(lo));
    }
  }
  if (depth != 1) {
    detail::invalid_program("program leaves " + to_string(depth) +
                            " values on the stack (needs exactly 1)");
  }
}

/// Throws std::invalid_argument, naming the bad value, unless `op` is a known reduction that takes
/// the kind of lanes the (valid) `program` yields: the *_int64 reductions integer lanes, the
/// others doubles.
inline void validate_reduction(const Program& program, ReduceOp op) {
  if (op > ReduceOp::max_int64) {
    detail::invalid_program("unknown reduction " + std::to_string(static_cast<int>(op)));
  }
  const bool integer = result_is_integer(program);
  if (is_integer_reduction(op) != integer) {
    detail::invalid_program("reduction " + std::to_string(static_cast<int>(op)) + " of " +
                            detail::kind_name(integer) + " (the program's result)");
  }
}

}  // namespace tessera::kernels
