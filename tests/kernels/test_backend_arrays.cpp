// The array kernels of every backend (host, CUDA) against the reference semantics: evaluate and
// reduce of random programs, uniform generation, bad programs. Written once, run per backend; the
// CUDA cases skip where no device is present. Backend-specific checks stay beside each backend's
// own tests (test_array_host*.cpp: instruction-set levels, transcendentals, concurrency;
// test_array_cuda.cpp: transposed tiles, sizes above 2^31, devices, memory errors).
#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend_case.hpp"
#include "fixed_order_reference.hpp"
#include "kernel_backends.hpp"
#include "program_reference.hpp"
#include "tessera/kernels/philox.hpp"

namespace tessera::kernels {
namespace {

using testing::BackendBuffer;
using testing::BackendCase;
using testing::Case;

template <class Backend>
class ArrayKernels : public ::testing::Test {};
TYPED_TEST_SUITE(ArrayKernels, testing::KernelBackends, testing::BackendName);

// Whether the program uses only operations that every backend computes bit for bit as glibc
// does: CUDA's libm may differ from it by an ulp or two in these.
bool exact_everywhere(const Program& p) {
  for (int i = 0; i < p.size; ++i) {
    switch (p.code[i].op) {
      case Op::exponential:
      case Op::logarithm:
      case Op::sine:
      case Op::cosine:
      case Op::power:
      case Op::load_normal:
        return false;
      default:
        break;
    }
  }
  return true;
}

// Evaluate in every output dtype gives the reference's bytes; each reduction matches the
// reference and has exactly the bits of the fixed order (reduce_order.hpp). Every backend giving
// the fixed order's bits is what makes a chunk's partials the same on every backend.
TYPED_TEST(ArrayKernels, RandomExactProgramsMatchReference) {
  TESSERA_SKIP_WITHOUT_BACKEND(TypeParam);
  testing::CaseGenerator gen(5150);
  constexpr ReduceOp kOps[] = {ReduceOp::sum, ReduceOp::prod, ReduceOp::min,    ReduceOp::max,
                               ReduceOp::any, ReduceOp::all,  ReduceOp::moments};
  int tested = 0;
  while (tested < 80) {
    const Case c = gen.next(20000);
    if (!exact_everywhere(c.program)) continue;
    ++tested;
    const BackendCase<TypeParam> bc(c);
    const std::int64_t n = testing::box_size(c.box, c.program.ndim);
    for (DType type : {DType::float64, DType::float32, DType::int64, DType::boolean}) {
      const std::vector<std::uint8_t> want = testing::reference_evaluate(c.program, c.box, type);
      const BackendBuffer<TypeParam> out(want.size());
      TypeParam::evaluate(TypeParam::place(), bc.program(), c.box, type, out.get());
      const std::vector<std::uint8_t> got = out.read();
      ASSERT_EQ(testing::first_mismatch(got.data(), want.data(), n, type), -1)
          << c.description << ", dtype " << static_cast<int>(type);
    }
    for (ReduceOp op : kOps) {
      bool reduced[kMaxDims] = {};
      for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
      const auto ref = testing::reference_reduce(c.program, c.box, reduced, op);
      const std::vector<Partial> fixed = testing::fixed_order_reduce(c.program, c.box, reduced, op);
      std::vector<Partial> got(ref.partials.size());
      TypeParam::reduce(TypeParam::place(), bc.program(), c.box, reduced, op, got.data());
      for (std::size_t k = 0; k < got.size(); ++k) {
        std::string why;
        ASSERT_TRUE(testing::partial_matches(got[k], ref, k, op, why))
            << c.description << ", op " << static_cast<int>(op) << ", output " << k << ": " << why;
        ASSERT_TRUE(testing::same_partial(got[k], fixed[k]))
            << c.description << ", op " << static_cast<int>(op) << ", output " << k
            << ": not the fixed order's bits (value " << got[k].value << " vs " << fixed[k].value
            << ", mean " << got[k].mean << " vs " << fixed[k].mean << ")";
      }
    }
  }
}

TYPED_TEST(ArrayKernels, GenerateUniformMatchesPhilox) {
  TESSERA_SKIP_WITHOUT_BACKEND(TypeParam);
  struct Run {
    std::uint64_t seed, first, n;
  };
  // Odd and even starts, a 262144 period boundary, counters past 2^40, and runs longer than the
  // host's 2^20-double work pieces (one ending mid-piece).
  constexpr std::uint64_t kLong = (1u << 20) + 5;
  for (const Run run : {Run{7, 0, kLong}, Run{7, 1, kLong}, Run{7, 262143, kLong},
                        Run{7, (1ull << 40) + 3, kLong}, Run{9, 12345, (1u << 21) + 37}}) {
    const BackendBuffer<TypeParam> out(run.n * sizeof(double));
    TypeParam::generate_uniform(TypeParam::place(), run.seed, run.first, run.n,
                                static_cast<double*>(out.get()));
    const std::vector<double> got = out.template read<double>();
    for (std::uint64_t k = 0; k < run.n; ++k) {
      ASSERT_EQ(got[k], uniform_double(run.seed, run.first + k))
          << "seed " << run.seed << " first " << run.first << " k " << k;
    }
  }
}

TYPED_TEST(ArrayKernels, RejectsBadPrograms) {
  TESSERA_SKIP_WITHOUT_BACKEND(TypeParam);
  Program p;
  p.ndim = 2;
  p.size = kMaxInstructions + 1;
  Box box;
  box.hi[0] = box.hi[1] = 4;
  Partial out;
  EXPECT_THROW(TypeParam::reduce(TypeParam::place(), p, box, nullptr, ReduceOp::sum, &out),
               std::invalid_argument);
  EXPECT_THROW(TypeParam::evaluate(TypeParam::place(), p, box, DType::float64, nullptr),
               std::invalid_argument);
  p.size = 1;
  box.hi[1] = 0;
  EXPECT_THROW(TypeParam::reduce(TypeParam::place(), p, box, nullptr, ReduceOp::sum, &out),
               std::invalid_argument);
}

}  // namespace
}  // namespace tessera::kernels
