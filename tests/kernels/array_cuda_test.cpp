// evaluate_cuda / reduce_cuda / generate_uniform_cuda against the host kernels and the reference
// semantics. Skips (with the reason) where no GPU is present.
//
// Programs of arithmetic, comparisons, casts and uniform leaves must evaluate bit for bit as on
// the host (both sides are built without FMA contraction); exp, log, sin, cos, pow and normal
// leaves go through CUDA's libm and are compared within a few ulps instead.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "program_reference.hpp"
#include "tessera/kernels/array_cuda.hpp"
#include "tessera/kernels/array_host.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/philox.hpp"

namespace tessera::kernels {
namespace {

using testing::Case;

#define SKIP_WITHOUT_GPU() \
  if (cuda_device_count() == 0) GTEST_SKIP() << "no CUDA device on this machine"

// Device copies of a case's buffers, freed on scope exit, and the program pointing at them.
class DeviceCase {
 public:
  explicit DeviceCase(const Case& c) : program_(c.program) {
    for (int i = 0; i < program_.size; ++i) {
      Instruction& in = program_.code[i];
      if (in.op != Op::load_buffer) continue;
      for (const auto& buffer : c.buffers) {
        if (buffer.data() != in.data) continue;
        void* d = cuda_malloc(0, std::max<std::size_t>(buffer.size(), 1));
        cuda_copy(0, d, buffer.data(), buffer.size());
        owned_.push_back(d);
        in.data = d;
      }
    }
  }
  ~DeviceCase() {
    for (void* d : owned_) cuda_free(0, d);
  }
  DeviceCase(const DeviceCase&) = delete;
  DeviceCase& operator=(const DeviceCase&) = delete;
  const Program& program() const { return program_; }

 private:
  Program program_;
  std::vector<void*> owned_;
};

// Whether the program uses only operations whose device results are bit-identical to glibc's.
bool exact_on_gpu(const Program& p) {
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

// evaluate_cuda's output for the case, copied back to the host.
std::vector<std::uint8_t> evaluate_on_gpu(const Case& c, DType type) {
  const DeviceCase dc(c);
  const std::size_t bytes = testing::box_size(c.box, c.program.ndim) * testing::dtype_size(type);
  void* d_out = cuda_malloc(0, std::max<std::size_t>(bytes, 1));
  std::vector<std::uint8_t> out(bytes);
  evaluate_cuda(0, nullptr, dc.program(), c.box, type, d_out);
  cuda_synchronize(0, nullptr);
  cuda_copy(0, out.data(), d_out, bytes);
  cuda_free(0, d_out);
  return out;
}

TEST(ArrayCuda, RandomProgramsMatchHost) {
  SKIP_WITHOUT_GPU();
  testing::CaseGenerator gen(5150);
  constexpr ReduceOp kOps[] = {ReduceOp::sum, ReduceOp::prod, ReduceOp::min,    ReduceOp::max,
                               ReduceOp::any, ReduceOp::all,  ReduceOp::moments};
  int tested = 0;
  while (tested < 80) {
    const Case c = gen.next(20000);
    if (!exact_on_gpu(c.program)) continue;
    ++tested;
    for (DType type : {DType::boolean, DType::int64, DType::float32, DType::float64}) {
      const std::vector<std::uint8_t> got = evaluate_on_gpu(c, type);
      std::vector<std::uint8_t> want(got.size());
      evaluate_host(c.program, c.box, type, want.data());
      ASSERT_EQ(testing::first_mismatch(got.data(), want.data(),
                                        testing::box_size(c.box, c.program.ndim), type),
                -1)
          << c.description << ", dtype " << static_cast<int>(type);
    }
    const DeviceCase dc(c);
    for (ReduceOp op : kOps) {
      bool reduced[kMaxDims] = {};
      for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
      const auto ref = testing::reference_reduce(c.program, c.box, reduced, op);
      std::vector<Partial> got(ref.partials.size());
      reduce_cuda(0, nullptr, dc.program(), c.box, reduced, op, got.data());
      for (std::size_t k = 0; k < got.size(); ++k) {
        std::string why;
        ASSERT_TRUE(testing::partial_matches(got[k], ref, k, op, why))
            << c.description << ", op " << static_cast<int>(op) << ", output " << k << ": " << why;
      }
    }
  }
}

TEST(ArrayCuda, TranscendentalsWithinUlps) {
  SKIP_WITHOUT_GPU();
  // exp(x) * sin(x.T) + log(x) * cos(x) + normal + x ** 1.5, x uniform over a 300 x 257 box.
  Case c;
  Program& p = c.program;
  p.ndim = 2;
  auto leaf = [](Op op, std::int64_t s0, std::int64_t s1) {
    Instruction in;
    in.op = op;
    in.seed = 11;
    in.b = 1;
    in.map.stride[0] = s0;
    in.map.stride[1] = s1;
    return in;
  };
  auto op = [](Op o) {
    Instruction in;
    in.op = o;
    return in;
  };
  Instruction three_halves;
  three_halves.op = Op::load_constant;
  three_halves.a = 1.5;
  for (const Instruction& in :
       {leaf(Op::load_uniform, 1000, 1), op(Op::exponential), leaf(Op::load_uniform, 1, 1000),
        op(Op::sine), op(Op::multiply), leaf(Op::load_uniform, 1000, 1), op(Op::logarithm),
        leaf(Op::load_uniform, 1000, 1), op(Op::cosine), op(Op::multiply), op(Op::add),
        leaf(Op::load_normal, 1000, 1), op(Op::add), leaf(Op::load_uniform, 1000, 1), three_halves,
        op(Op::power), op(Op::add)}) {
    p.code[p.size++] = in;
  }
  c.box.lo[0] = 5;
  c.box.hi[0] = 305;
  c.box.lo[1] = 3;
  c.box.hi[1] = 260;
  const std::vector<std::uint8_t> bytes = evaluate_on_gpu(c, DType::float64);
  const std::int64_t n = testing::box_size(c.box, 2);
  std::vector<double> got(n), want(n);
  std::memcpy(got.data(), bytes.data(), bytes.size());
  evaluate_host(p, c.box, DType::float64, want.data());
  for (std::int64_t k = 0; k < n; ++k) {
    // Each libm result is within 2 ulps; a handful of them, added and multiplied, stay within a
    // few ulps of the largest term (magnitudes here are below 10).
    ASSERT_NEAR(got[k], want[k], 64 * std::numeric_limits<double>::epsilon() * 10)
        << "element " << k;
  }
}

TEST(ArrayCuda, LargeReductionsMatchHost) {
  SKIP_WITHOUT_GPU();
  // x + x.T over 2000 x 1500 of a 10000 x 10000 x: many segments per output when rows are
  // reduced, one thread per output when few elements fold.
  Case c;
  Program& p = c.program;
  p.ndim = 2;
  Instruction x;
  x.op = Op::load_uniform;
  x.seed = 42;
  x.b = 1;
  x.map.stride[0] = 10000;
  x.map.stride[1] = 1;
  Instruction xt = x;
  xt.map.stride[0] = 1;
  xt.map.stride[1] = 10000;
  p.code[0] = x;
  p.code[1] = xt;
  p.code[2].op = Op::add;
  p.size = 3;
  c.box.lo[0] = 7;
  c.box.hi[0] = 2007;
  c.box.lo[1] = 100;
  c.box.hi[1] = 1600;
  for (int axes = 0; axes < 4; ++axes) {
    const bool reduced[kMaxDims] = {(axes & 1) != 0, (axes & 2) != 0};
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::moments, ReduceOp::min}) {
      const auto ref = testing::reference_reduce(p, c.box, reduced, op);
      std::vector<Partial> got(ref.partials.size()), host(ref.partials.size());
      reduce_cuda(0, nullptr, p, c.box, reduced, op, got.data());
      reduce_host(p, c.box, reduced, op, host.data());
      for (std::size_t k = 0; k < got.size(); ++k) {
        std::string why;
        ASSERT_TRUE(testing::partial_matches(got[k], ref, k, op, why))
            << "axes " << axes << " op " << static_cast<int>(op) << " output " << k << ": " << why;
      }
    }
  }
}

TEST(ArrayCuda, GenerateUniformMatchesPhilox) {
  SKIP_WITHOUT_GPU();
  for (std::uint64_t first : {0ull, 1ull, 262143ull, (1ull << 40) + 3}) {
    const std::uint64_t n = (1u << 20) + 5;
    double* d = static_cast<double*>(cuda_malloc(0, n * sizeof(double)));
    generate_uniform_cuda(0, nullptr, 7, first, n, d);
    cuda_synchronize(0, nullptr);
    std::vector<double> got(n);
    cuda_copy(0, got.data(), d, n * sizeof(double));
    cuda_free(0, d);
    for (std::uint64_t k = 0; k < n; ++k) {
      ASSERT_EQ(got[k], uniform_double(7, first + k)) << "first " << first << " k " << k;
    }
  }
}

TEST(ArrayCuda, RejectsBadPrograms) {
  SKIP_WITHOUT_GPU();
  Program p;
  p.ndim = 2;
  p.size = kMaxInstructions + 1;
  Box box;
  box.hi[0] = box.hi[1] = 4;
  Partial out;
  EXPECT_THROW(reduce_cuda(0, nullptr, p, box, nullptr, ReduceOp::sum, &out),
               std::invalid_argument);
  EXPECT_THROW(evaluate_cuda(0, nullptr, p, box, DType::float64, nullptr), std::invalid_argument);
  p.size = 1;
  box.hi[1] = 0;
  EXPECT_THROW(reduce_cuda(0, nullptr, p, box, nullptr, ReduceOp::sum, &out),
               std::invalid_argument);
}

}  // namespace
}  // namespace tessera::kernels
