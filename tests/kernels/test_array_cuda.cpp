// cuda::evaluate / cuda::reduce's own parts against the host kernels and the reference semantics:
// transcendentals within ulps, transposed tiles, sizes above 2^31, devices and memory errors.
// What every backend must do is in test_backend_arrays.cpp. Skips (with the reason) where no GPU
// is present.
//
// Programs of arithmetic, comparisons, casts and uniform leaves must evaluate bit for bit as on
// the host (both sides are built without FMA contraction); exp, log, sin, cos, pow and normal
// leaves go through CUDA's libm and are compared within a few ulps instead. Reductions follow the
// fixed order of reduce_order.hpp: for exact programs bit for bit equal to its plain CPU
// implementation (fixed_order_reference.hpp) and to host::reduce, which follows the same order.
#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "backend_case.hpp"
#include "fixed_order_reference.hpp"
#include "kernel_backends.hpp"
#include "program_reference.hpp"
#include "tessera/kernels/cuda/evaluate.hpp"
#include "tessera/kernels/cuda/generate.hpp"
#include "tessera/kernels/cuda/memory.hpp"
#include "tessera/kernels/cuda/reduce.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"
#include "tessera/kernels/philox.hpp"
#include "tessera/kernels/reduce_order.hpp"

namespace tessera::kernels {
namespace {

using testing::Case;

using testing::CudaBackend;

// cuda::evaluate's output for the case, copied back to the host.
std::vector<std::uint8_t> evaluate_on_gpu(const Case& c, DType type) {
  const testing::BackendCase<CudaBackend> dc(c);
  const std::size_t bytes = testing::box_size(c.box, c.program.ndim) * testing::dtype_size(type);
  void* d_out = cuda::allocate({0}, std::max<std::size_t>(bytes, 1));
  std::vector<std::uint8_t> out(bytes);
  cuda::evaluate({0, nullptr}, dc.program(), c.box, type, d_out);
  cuda::synchronize({0, nullptr});
  cuda::copy({0}, out.data(), d_out, bytes);
  cuda::release({0}, d_out);
  return out;
}

// cuda::evaluate equals host::evaluate bit for bit in every output dtype.
void expect_evaluate_matches_host(const Case& c, const std::string& what) {
  for (DType type : {DType::float64, DType::float32, DType::int64, DType::boolean}) {
    const std::vector<std::uint8_t> got = evaluate_on_gpu(c, type);
    std::vector<std::uint8_t> want(got.size());
    host::evaluate({}, c.program, c.box, type, want.data());
    ASSERT_EQ(testing::first_mismatch(got.data(), want.data(),
                                      testing::box_size(c.box, c.program.ndim), type),
              -1)
        << what << ", dtype " << static_cast<int>(type);
  }
}

TEST(ArrayCuda, TranscendentalsWithinUlps) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
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
  host::evaluate({}, p, c.box, DType::float64, want.data());
  for (std::int64_t k = 0; k < n; ++k) {
    // Each libm result is within 2 ulps; a handful of them, added and multiplied, stay within a
    // few ulps of the largest term (magnitudes here are below 10).
    ASSERT_NEAR(got[k], want[k], 64 * std::numeric_limits<double>::epsilon() * 10)
        << "element " << k;
  }
}

TEST(ArrayCuda, LargeReductionsMatchHost) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
  // x + x.T over 2000 x 1500 of a 10000 x 10000 x: many segments per output when rows are
  // reduced, one thread per output when few elements fold.
  Case c;
  c.program = testing::x_plus_xt_program(10000, 42);
  const Program& p = c.program;
  c.box.lo[0] = 7;
  c.box.hi[0] = 2007;
  c.box.lo[1] = 100;
  c.box.hi[1] = 1600;
  for (int axes = 0; axes < 4; ++axes) {
    const bool reduced[kMaxDims] = {(axes & 1) != 0, (axes & 2) != 0};
    for (ReduceOp op : {ReduceOp::sum, ReduceOp::moments, ReduceOp::min}) {
      const std::vector<Partial> fixed = testing::fixed_order_reduce(p, c.box, reduced, op);
      std::vector<Partial> got(fixed.size()), host(fixed.size());
      cuda::reduce({0, nullptr}, p, c.box, reduced, op, got.data());
      host::reduce({}, p, c.box, reduced, op, host.data());
      for (std::size_t k = 0; k < got.size(); ++k) {
        ASSERT_TRUE(testing::same_partial(got[k], host[k]))
            << "axes " << axes << " op " << static_cast<int>(op) << " output " << k
            << ": not host::reduce's bits (value " << got[k].value << " vs " << host[k].value
            << ")";
        ASSERT_TRUE(testing::same_partial(got[k], fixed[k]))
            << "axes " << axes << " op " << static_cast<int>(op) << " output " << k
            << ": not the fixed order's bits (value " << got[k].value << " vs " << fixed[k].value
            << ")";
      }
    }
  }
}

// A 2-D program over a materialized n x n float64 buffer x (host copy kept in the case).
Case buffer_case(std::int64_t n, std::uint64_t seed) {
  Case c;
  c.program.ndim = 2;
  std::vector<std::uint8_t> bytes(n * n * sizeof(double));
  std::uint64_t k = seed;
  for (std::int64_t i = 0; i < n * n; ++i) {
    k = k * 6364136223846793005ull + 1442695040888963407ull;
    const double v = static_cast<double>(static_cast<std::int64_t>(k >> 11)) * 0x1p-40 - 4096;
    std::memcpy(bytes.data() + 8 * i, &v, 8);
  }
  c.buffers.push_back(std::move(bytes));
  return c;
}

Instruction buffer_leaf(const Case& c, std::int64_t s0, std::int64_t s1, std::int64_t offset = 0) {
  Instruction in;
  in.op = Op::load_buffer;
  in.dtype = DType::float64;
  in.data = c.buffers[0].data();
  in.map.offset = offset;
  in.map.stride[0] = s0;
  in.map.stride[1] = s1;
  return in;
}

// p + p.T of a materialized p takes the tiled shared-memory path: square, non-square and ragged
// boxes at offsets, against host::evaluate bit for bit.
TEST(ArrayCuda, TransposedBufferTilesMatchHost) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
  const std::int64_t n = 1200;
  struct Extent {
    std::int64_t lo0, rows, lo1, cols;
  };
  for (const Extent e : {Extent{0, 1024, 0, 1024}, Extent{0, 1, 0, 1}, Extent{3, 1000, 7, 1000},
                         Extent{0, 33, 100, 1031}, Extent{17, 1100, 2, 31}, Extent{5, 64, 9, 97}}) {
    Case c = buffer_case(n, e.rows * 7 + e.cols);
    c.program.code[c.program.size++] = buffer_leaf(c, n, 1);  // p
    c.program.code[c.program.size++] = buffer_leaf(c, 1, n);  // p.T
    c.program.code[c.program.size++].op = Op::add;
    c.box.lo[0] = e.lo0;
    c.box.hi[0] = e.lo0 + e.rows;
    c.box.lo[1] = e.lo1;
    c.box.hi[1] = e.lo1 + e.cols;
    expect_evaluate_matches_host(c, std::to_string(e.rows) + " x " + std::to_string(e.cols));
  }
}

// Sliced and reversed transposes (x[::-1, ::2].T and the like), two transposed leaves and a
// direct one, with arithmetic between them.
TEST(ArrayCuda, SlicedTransposedBuffersMatchHost) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
  const std::int64_t n = 700;
  Case c = buffer_case(n, 99);
  Program& p = c.program;
  // x.T[::-1] over rows 0..299: flat = (299 - i) + j * n  ->  offset 299, stride -1.
  p.code[p.size++] = buffer_leaf(c, -1, n, 299);
  // x[::2, :].T: flat = i + 2 * j * n.
  p.code[p.size++] = buffer_leaf(c, 1, 2 * n);
  p.code[p.size++].op = Op::multiply;
  p.code[p.size++] = buffer_leaf(c, n, 1);  // x, direct
  p.code[p.size++].op = Op::subtract;
  c.box.lo[0] = 0;
  c.box.hi[0] = 300;
  c.box.lo[1] = 1;
  c.box.hi[1] = 341;
  expect_evaluate_matches_host(c, "sliced transposes");
}

// More than 2^31 elements, generated only (no buffer, so no memory but the partials): a
// constant's sum is exact in any order (integers below 2^53), arange's min, max and count are
// exact, its sum and moments have closed forms. Reducing everything folds the ~2^18 segments on
// the host; reducing axis 0 only folds 9 segments per output on the device.
TEST(ArrayCuda, ReductionsAboveTwoToTheThirtyOne) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
  const std::int64_t rows = (std::int64_t{1} << 16) + 3, cols = (std::int64_t{1} << 15) + 1;
  const std::int64_t n = rows * cols;
  ASSERT_GT(n, std::int64_t{1} << 31);
  Box box;
  box.hi[0] = rows;
  box.hi[1] = cols;
  Program one;
  one.ndim = 2;
  one.size = 1;
  one.code[0].a = 1;  // load_constant 1
  Program arange;
  arange.ndim = 2;
  arange.size = 1;
  arange.code[0].op = Op::load_arange;
  arange.code[0].b = 1;
  arange.code[0].map.stride[0] = cols;
  arange.code[0].map.stride[1] = 1;
  const double eps = std::numeric_limits<double>::epsilon();
  const double dn = static_cast<double>(n);

  Partial p;
  cuda::reduce({0, nullptr}, one, box, nullptr, ReduceOp::sum, &p);
  EXPECT_EQ(p.value, dn);
  EXPECT_EQ(p.count, dn);
  cuda::reduce({0, nullptr}, arange, box, nullptr, ReduceOp::min, &p);
  EXPECT_EQ(p.value, 0);
  cuda::reduce({0, nullptr}, arange, box, nullptr, ReduceOp::max, &p);
  EXPECT_EQ(p.value, dn - 1);
  EXPECT_EQ(p.count, dn);
  cuda::reduce({0, nullptr}, arange, box, nullptr, ReduceOp::sum, &p);
  const double sum = dn * (dn - 1) / 2;  // sum |x| too
  EXPECT_NEAR(p.value, sum, 2 * dn * eps * sum);
  cuda::reduce({0, nullptr}, arange, box, nullptr, ReduceOp::moments, &p);
  EXPECT_EQ(p.count, dn);
  EXPECT_NEAR(p.mean + p.value, (dn - 1) / 2, 4 * dn * eps * dn);
  const double m2 = dn * (dn * dn - 1) / 12;
  EXPECT_NEAR(p.m2, m2, 1e-6 * m2);

  // Column sums of arange: column j holds j, j + cols, ..., so its sum is
  // rows * j + cols * rows * (rows - 1) / 2 < 2^47: every partial sum is an integer below 2^53,
  // so the result is exact in any order.
  const bool axis0[kMaxDims] = {true, false};
  std::vector<Partial> columns(cols);
  cuda::reduce({0, nullptr}, arange, box, axis0, ReduceOp::sum, columns.data());
  const double dr = static_cast<double>(rows), dc = static_cast<double>(cols);
  for (std::int64_t j = 0; j < cols; ++j) {
    const double want = dr * static_cast<double>(j) + dc * dr * (dr - 1) / 2;
    ASSERT_EQ(columns[j].value, want) << "column " << j;
    ASSERT_EQ(columns[j].count, dr) << "column " << j;
  }
}

// An out-of-memory error is reported once, not again by the next kernel launch's check.
TEST(ArrayCuda, OutOfMemoryDoesNotFailTheNextLaunch) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
  EXPECT_THROW(cuda::allocate({0}, std::size_t{1} << 60), std::runtime_error);
  Case c;
  c.program.ndim = 1;
  c.program.size = 1;
  c.program.code[0].op = Op::load_arange;
  c.program.code[0].b = 1;
  c.program.code[0].map.stride[0] = 1;
  c.box.hi[0] = 1000;
  std::vector<std::uint8_t> got;
  ASSERT_NO_THROW(got = evaluate_on_gpu(c, DType::float64));
  double last = 0;
  std::memcpy(&last, got.data() + 999 * 8, 8);
  EXPECT_EQ(last, 999);
  EXPECT_THROW(cuda::allocate({0}, std::size_t{1} << 60), std::runtime_error);
  Partial p;
  ASSERT_NO_THROW(cuda::reduce({0, nullptr}, c.program, c.box, nullptr, ReduceOp::sum, &p));
  EXPECT_EQ(p.value, 999.0 * 1000 / 2);
}

// Working on device 1 from a thread that chose no device leaves it there (restoring "device 0"
// would create a context on device 0); a thread that chose device 0 gets it back.
TEST(ArrayCuda, DeviceScopeRestoresOnlyAChosenDevice) {
  if (cuda_device_count() < 2) GTEST_SKIP() << "needs two CUDA devices";
  Program p;
  p.ndim = 0;
  p.size = 1;
  Box box;
  int fresh = -1, chosen = -1;
  std::thread([&] {
    Partial out;
    cuda::reduce({1, nullptr}, p, box, nullptr, ReduceOp::sum, &out);
    cudaGetDevice(&fresh);
  }).join();
  std::thread([&] {
    cudaSetDevice(0);
    Partial out;
    cuda::reduce({1, nullptr}, p, box, nullptr, ReduceOp::sum, &out);
    cudaGetDevice(&chosen);
  }).join();
  EXPECT_EQ(fresh, 1);
  EXPECT_EQ(chosen, 0);
}

}  // namespace
}  // namespace tessera::kernels
