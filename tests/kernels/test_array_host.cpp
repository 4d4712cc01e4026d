// host::evaluate and host::reduce against the reference semantics (evaluate_element and a plain
// loop of accumulate()) on seeded random programs, plus the cases random programs rarely hit.
//
// Exactness: evaluate must match bit for bit, which holds because the tile interpreter performs
// the same double operations in the same order as evaluate_element and both are compiled with
// FMA contraction off (-ffp-contract=off, set on tessera::kernels_common); min/max/any/all and
// counts must match exactly too. Sums, products and moments are compared within tolerances
// derived from the summation length (partial_matches in program_reference.hpp).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "program_reference.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/host/simd.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"
#include "tessera/kernels/philox.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/program_validate.hpp"

namespace tessera::kernels {
namespace {

using testing::Case;
using testing::CaseGenerator;

constexpr DType kDTypes[] = {DType::boolean, DType::int64, DType::float32, DType::float64};
constexpr ReduceOp kReduceOps[] = {ReduceOp::sum, ReduceOp::prod, ReduceOp::min,    ReduceOp::max,
                                   ReduceOp::any, ReduceOp::all,  ReduceOp::moments};

std::string op_name(ReduceOp op) {
  static const char* names[] = {"sum",        "prod",      "min",      "max",
                                "any",        "all",       "moments",  "sum_int64",
                                "prod_int64", "min_int64", "max_int64"};
  return names[static_cast<int>(op)];
}

void expect_evaluate_matches(const Case& c, DType type) {
  const std::int64_t n = testing::box_size(c.box, c.program.ndim);
  const std::vector<std::uint8_t> want = testing::reference_evaluate(c.program, c.box, type);
  std::vector<std::uint8_t> got(want.size(), 0xcd);
  host::evaluate({}, c.program, c.box, type, got.data());
  const std::int64_t bad = testing::first_mismatch(got.data(), want.data(), n, type);
  EXPECT_EQ(bad, -1) << c.description << ", dtype " << static_cast<int>(type);
}

void expect_reduce_matches(const Case& c, const bool* reduced, ReduceOp op) {
  const testing::ReferenceReduction ref = testing::reference_reduce(c.program, c.box, reduced, op);
  std::vector<Partial> got(ref.partials.size());
  host::reduce({}, c.program, c.box, reduced, op, got.data());
  std::string axes;
  for (int d = 0; d < c.program.ndim; ++d) axes += reduced[d] ? "r" : "k";
  for (std::size_t k = 0; k < got.size(); ++k) {
    std::string why;
    if (!testing::partial_matches(got[k], ref, static_cast<std::int64_t>(k), op, why)) {
      ADD_FAILURE() << c.description << ", " << op_name(op) << " over " << axes << ", output " << k
                    << ": " << why;
      return;
    }
  }
}

TEST(ArrayHost, RandomProgramsEvaluateExactly) {
  CaseGenerator gen(20240601);
  for (int i = 0; i < 400; ++i) {
    const Case c = gen.next();
    for (DType type : kDTypes) expect_evaluate_matches(c, type);
    if (HasFailure()) return;
  }
}

TEST(ArrayHost, RandomProgramsReduce) {
  CaseGenerator gen(777);
  for (int i = 0; i < 250; ++i) {
    const Case c = gen.next(8000);
    bool reduced[kMaxDims] = {};
    for (ReduceOp op : kReduceOps) {
      for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
      expect_reduce_matches(c, reduced, op);
    }
    if (HasFailure()) return;
  }
}

TEST(ArrayHost, FullReductionWritesOnePartial) {
  CaseGenerator gen(99);
  bool all[kMaxDims];
  for (bool& b : all) b = true;
  for (int i = 0; i < 60; ++i) {
    const Case c = gen.next();
    for (ReduceOp op : kReduceOps) {
      const testing::ReferenceReduction ref = testing::reference_reduce(c.program, c.box, all, op);
      ASSERT_EQ(ref.partials.size(), 1u);
      Partial got[2];
      got[1].count = -7;                                     // must stay untouched
      host::reduce({}, c.program, c.box, nullptr, op, got);  // nullptr: every axis
      EXPECT_EQ(got[1].count, -7);
      std::string why;
      EXPECT_TRUE(testing::partial_matches(got[0], ref, 0, op, why))
          << c.description << ", " << op_name(op) << ": " << why;
    }
    if (HasFailure()) return;
  }
}

TEST(ArrayHost, EveryInstructionSetGivesTheSameBits) {
  // The tile loops are compiled per instruction set; reductions keep a fixed number of lanes, so
  // the bits never depend on the CPU.
  using host::SimdLevel;
  CaseGenerator gen(2718);
  for (int i = 0; i < 80; ++i) {
    const Case c = gen.next(20000);
    const std::int64_t n = testing::box_size(c.box, c.program.ndim);
    std::vector<double> want(n);
    host::evaluate_at(c.program, c.box, DType::float64, want.data(), SimdLevel::generic);
    bool reduced[kMaxDims] = {};
    for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
    const ReduceOp op = kReduceOps[i % 7];
    std::vector<Partial> want_partials(testing::kept_size(c.box, c.program.ndim, reduced));
    host::reduce_at(c.program, c.box, reduced, op, want_partials.data(), SimdLevel::generic);
    for (SimdLevel level : {SimdLevel::avx2, SimdLevel::avx512}) {
      if (!host::simd_level_supported(level)) continue;
      std::vector<double> got(n);
      host::evaluate_at(c.program, c.box, DType::float64, got.data(), level);
      ASSERT_EQ(testing::first_mismatch(reinterpret_cast<const std::uint8_t*>(got.data()),
                                        reinterpret_cast<const std::uint8_t*>(want.data()), n,
                                        DType::float64),
                -1)
          << c.description << ", level " << static_cast<int>(level);
      std::vector<Partial> partials(want_partials.size());
      host::reduce_at(c.program, c.box, reduced, op, partials.data(), level);
      for (std::size_t k = 0; k < partials.size(); ++k) {
        const Partial &p = partials[k], &q = want_partials[k];
        ASSERT_TRUE(testing::same_value(p.value, q.value) && p.count == q.count &&
                    testing::same_value(p.mean, q.mean) && testing::same_value(p.m2, q.m2))
            << c.description << ", " << op_name(op) << ", level " << static_cast<int>(level)
            << ", output " << k;
      }
    }
  }
}

// int64 lanes over a 2-D box (testing::wrapping_integer_program): every
// instruction set evaluates each element to the reference's int64, and the int64 reductions along
// either axis and both equal the reference's fold in any order (wrapping sums and products, min and
// max do not depend on it).
TEST(ArrayHost, IntegerLanesGiveTheReferenceAtEveryInstructionSet) {
  using host::SimdLevel;
  constexpr std::int64_t rows = testing::kIntegerRows, cols = testing::kIntegerCols;
  const Program p = testing::wrapping_integer_program();
  Box box;
  box.hi[0] = rows;
  box.hi[1] = cols;
  std::vector<std::int64_t> want(rows * cols);
  for (std::int64_t i = 0; i < rows; ++i) {
    for (std::int64_t j = 0; j < cols; ++j) {
      const std::int64_t idx[] = {i, j};
      want[i * cols + j] = as_integer(evaluate_element(p, idx));
    }
  }
  for (SimdLevel level : {SimdLevel::generic, SimdLevel::avx2, SimdLevel::avx512}) {
    if (!host::simd_level_supported(level)) continue;
    std::vector<std::int64_t> got(rows * cols);
    host::evaluate_at(p, box, DType::int64, got.data(), level);
    ASSERT_EQ(got, want) << "level " << static_cast<int>(level);
    for (const ReduceOp r :
         {ReduceOp::sum_int64, ReduceOp::prod_int64, ReduceOp::min_int64, ReduceOp::max_int64}) {
      for (int kept = -1; kept < 2; ++kept) {  // -1: a full reduction; else the axis kept
        const bool reduced[] = {kept != 0, kept != 1};
        const std::int64_t outputs = kept < 0 ? 1 : kept == 0 ? rows : cols;
        std::vector<Partial> partials(outputs);
        host::reduce_at(p, box, reduced, r, partials.data(), level);
        for (std::int64_t o = 0; o < outputs; ++o) {
          Partial expected = identity(r);
          for (std::int64_t e = 0; e < rows * cols; ++e) {
            const std::int64_t at = kept == 0 ? e / cols : e % cols;
            if (kept < 0 || at == o) accumulate(expected, integer_lane(want[e]), r);
          }
          ASSERT_EQ(as_integer(partials[o].value), as_integer(expected.value))
              << op_name(r) << " level " << static_cast<int>(level) << " kept " << kept
              << " output " << o;
          ASSERT_EQ(partials[o].count, expected.count);
        }
      }
    }
  }
}

}  // namespace
}  // namespace tessera::kernels
