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

}  // namespace detail

/// Throws std::invalid_argument, naming the bad value, unless `program` is well formed (ndim and
/// size in range, known ops and dtypes, no stack underflow or overflow, exactly one result, buffer
/// leaves with data) and `box` is a non-empty box whose leaves read flat indices in [0, 2^63).
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
  for (int i = 0; i < program.size; ++i) {
    const Instruction& in = program.code[i];
    const std::string where = "instruction " + to_string(i);
    if (in.op > Op::where) {
      detail::invalid_program(where + ": unknown op " + to_string(static_cast<int>(in.op)));
    }
    const int pops = arity(in.op);
    if (pops > depth) {
      detail::invalid_program(where + ": stack underflow (op " +
                              to_string(static_cast<int>(in.op)) + " pops " + to_string(pops) +
                              ", stack holds " + to_string(depth) + ")");
    }
    depth += 1 - pops;
    if (depth > kMaxStack) {
      detail::invalid_program(where + ": stack overflow (depth " + to_string(depth) + " > " +
                              to_string(kMaxStack) + ")");
    }
    if (!is_leaf(in.op) || in.op == Op::load_constant) continue;
    if (in.op == Op::load_buffer) {
      if (in.dtype > DType::float64) {
        detail::invalid_program(where + ": unknown dtype " + to_string(static_cast<int>(in.dtype)));
      }
      if (in.data == nullptr) detail::invalid_program(where + ": load_buffer without data");
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

}  // namespace tessera::kernels
