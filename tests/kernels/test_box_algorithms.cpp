// The Thrust algorithms behind cuda::evaluate and cuda::reduce
// (kernels/cuda/src/box_algorithms.hpp), the very same templates, run on CPU threads: compiled by
// g++ with Thrust's device system set to OpenMP (the C++ system under ThreadSanitizer), and also
// run with Thrust's sequential and C++ systems. Needs the CUDA toolkit's headers only, never nvcc
// or a GPU.
//
// evaluate_box must give the bits of the per-element reference and of host::evaluate for every
// program (on the CPU the libm is the same, transcendentals included). The reductions must equal
// the plain implementation of the fixed order (fixed_order_reference.hpp) and host::reduce, which
// follows the same order, bit for bit, whatever the threads: a chunk reduced on a GPU worker has
// the partials it has on a CPU worker.
#include "box_algorithms.hpp"

#include <gtest/gtest.h>
#include <thrust/execution_policy.h>
#include <thrust/system/cpp/execution_policy.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "fixed_order_reference.hpp"
#include "program_reference.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels {
namespace {

using detail::EvaluatePlan;
using detail::ReducePlan;
using testing::Case;

constexpr ReduceOp kOps[] = {ReduceOp::sum, ReduceOp::prod, ReduceOp::min,    ReduceOp::max,
                             ReduceOp::any, ReduceOp::all,  ReduceOp::moments};
constexpr bool kRowsOnly[] = {true, false};  // axis 0 reduced, axis 1 kept
constexpr bool kColsOnly[] = {false, true};
constexpr DType kTypes[] = {DType::boolean, DType::int64, DType::float32, DType::float64};

// evaluate_box with `policy` into a fresh buffer.
template <class Policy>
std::vector<std::uint8_t> evaluate_with(Policy&& policy, const Program& p, const Box& box,
                                        DType type) {
  const EvaluatePlan plan = detail::plan_evaluate(p, box, type);
  std::vector<std::uint8_t> out(plan.all.size * testing::dtype_size(type));
  detail::evaluate_box(policy, &p, plan, out.data());
  return out;
}

// What cuda::reduce does, with `policy` for the device: segment partials, then the in-order fold
// on the policy (fold_on_policy) or on this thread.
template <class Policy>
std::vector<Partial> reduce_with(Policy&& policy, const Program& p, const Box& box,
                                 const bool* reduced, ReduceOp op, bool fold_on_policy) {
  const ReducePlan plan = detail::plan_reduce(p, box, reduced, op);
  std::vector<Partial> scratch(plan.scratch_partials());
  std::vector<Partial> segments(plan.segment_partials(), identity(op));
  detail::reduce_box_segments(policy, &p, plan, scratch.data(), segments.data());
  std::vector<Partial> out(plan.outputs());
  if (fold_on_policy) {
    detail::fold_box_segments(policy, plan, segments.data(), out.data());
  } else {
    detail::fold_box_segments_here(plan, segments.data(), out.data());
  }
  return out;
}

// All the checks of one reduction: exact against the plain fixed order with the OpenMP, C++ and
// sequential systems and both folds, and against host::reduce.
void check_reduce(const Program& p, const Box& box, const bool* reduced, ReduceOp op,
                  const std::string& what) {
  const std::vector<Partial> want = testing::fixed_order_reduce(p, box, reduced, op);
  const std::vector<Partial> got[] = {
      reduce_with(thrust::device, p, box, reduced, op, true),
      reduce_with(thrust::device, p, box, reduced, op, false),
      reduce_with(thrust::cpp::par, p, box, reduced, op, true),
      reduce_with(thrust::seq, p, box, reduced, op, false),
  };
  for (const std::vector<Partial>& g : got) {
    ASSERT_EQ(g.size(), want.size()) << what;
    for (std::size_t k = 0; k < want.size(); ++k) {
      ASSERT_TRUE(testing::same_partial(g[k], want[k]))
          << what << ", op " << int(op) << ", output " << k << ": value " << g[k].value << " vs "
          << want[k].value << ", mean " << g[k].mean << " vs " << want[k].mean << ", m2 " << g[k].m2
          << " vs " << want[k].m2 << ", count " << g[k].count << " vs " << want[k].count;
    }
  }
  std::vector<Partial> host(want.size());
  host::reduce({}, p, box, reduced, op, host.data());
  for (std::size_t k = 0; k < want.size(); ++k) {
    ASSERT_TRUE(testing::same_partial(got[0][k], host[k]))
        << what << ", op " << int(op) << ", output " << k << " against host::reduce: value "
        << got[0][k].value << " vs " << host[k].value << ", m2 " << got[0][k].m2 << " vs "
        << host[k].m2;
  }
}

TEST(BoxAlgorithms, EvaluateMatchesReferenceAndHost) {
  testing::CaseGenerator gen(2024);
  for (int i = 0; i < 100; ++i) {
    const Case c = gen.next(20000);
    for (DType type : kTypes) {
      const std::vector<std::uint8_t> want = testing::reference_evaluate(c.program, c.box, type);
      std::vector<std::uint8_t> host(want.size());
      host::evaluate({}, c.program, c.box, type, host.data());
      const std::int64_t n = testing::box_size(c.box, c.program.ndim);
      ASSERT_EQ(testing::first_mismatch(host.data(), want.data(), n, type), -1) << c.description;
      for (const std::vector<std::uint8_t>& got :
           {evaluate_with(thrust::device, c.program, c.box, type),
            evaluate_with(thrust::cpp::par, c.program, c.box, type),
            evaluate_with(thrust::seq, c.program, c.box, type)}) {
        ASSERT_EQ(testing::first_mismatch(got.data(), want.data(), n, type), -1)
            << c.description << ", dtype " << int(type);
      }
    }
  }
}

TEST(BoxAlgorithms, RandomReductionsFollowTheFixedOrder) {
  testing::CaseGenerator gen(77);
  for (int i = 0; i < 40; ++i) {
    const Case c = gen.next(30000);
    for (ReduceOp op : kOps) {
      bool reduced[kMaxDims] = {};
      for (int d = 0; d < c.program.ndim; ++d) reduced[d] = gen.uniform_int(0, 1) == 1;
      check_reduce(c.program, c.box, reduced, op, c.description);
      check_reduce(c.program, c.box, nullptr, op, c.description + ", all axes");
    }
  }
}

// A program over `ndim` axes: uniform * 1000 + arange (large and small parts, so the order of
// sums shows), times a random buffer of bools read transposed when 2-D, so some elements are 0.
struct Shaped {
  Program program;
  std::vector<std::uint8_t> mask;
};

Shaped shaped_program(int ndim, const Box& box) {
  Shaped s;
  Program& p = s.program;
  p.ndim = ndim;
  Instruction u;
  u.op = Op::load_uniform;
  u.seed = 99;
  u.a = -1000;
  u.b = 1000;
  Instruction r;
  r.op = Op::load_arange;
  r.a = 0.5;
  r.b = 1e-3;
  std::int64_t stride = 1;
  for (int d = ndim; d-- > 0;) {
    u.map.stride[d] = r.map.stride[d] = stride;
    stride *= box.hi[d];
  }
  p.code[p.size++] = u;
  p.code[p.size++] = r;
  p.code[p.size++].op = Op::add;
  if (ndim == 2) {
    s.mask.resize(box.hi[0] * box.hi[1]);
    for (std::size_t k = 0; k < s.mask.size(); ++k) s.mask[k] = (k * 2654435761u >> 7) % 5 != 0;
    Instruction m;
    m.op = Op::load_buffer;
    m.dtype = DType::boolean;
    m.data = s.mask.data();
    m.map.stride[0] = 1;
    m.map.stride[1] = box.hi[0];
    p.code[p.size++] = m;
    p.code[p.size++].op = Op::multiply;
  }
  return s;
}

Box make_box(std::initializer_list<std::int64_t> lo, std::initializer_list<std::int64_t> hi) {
  Box b;
  int d = 0;
  for (std::int64_t v : lo) b.lo[d++] = v;
  d = 0;
  for (std::int64_t v : hi) b.hi[d++] = v;
  return b;
}

// Boxes chosen for the plan's paths: one element; outputs of at most kReduceLanes elements (one
// thread each); outputs just over it; several segments per output, with the last one ragged and
// smaller than kReduceLanes; more segments than a lane batch (kLaneBatchSegments); more segments
// than cuda::reduce folds on the device; and more than one output.
TEST(BoxAlgorithms, ShapedReductionsFollowTheFixedOrder) {
  struct Shape {
    int ndim;
    Box box;
    std::vector<bool> reduced;
  };
  const Shape shapes[] = {
      {0, Box{}, {}},
      {1, make_box({7}, {8}), {true}},
      {2, make_box({0, 0}, {1, 1}), {true, true}},
      {1, make_box({3}, {3 + kReduceLanes}), {true}},
      {1, make_box({3}, {3 + kReduceLanes + 1}), {true}},
      {2, make_box({2, 5}, {39, 305}), {false, true}},  // 37 outputs of 300
      {2, make_box({2, 5}, {39, 305}), {true, false}},  // 300 outputs of 37
      {1, make_box({0}, {3 * kReduceSegment + 77}), {true}},
      {2, make_box({1, 0}, {4, 2 * kReduceSegment + 1}), {false, true}},  // 3 outputs, 3 segments
      {2, make_box({0, 1}, {2 * kReduceSegment + 255, 4}), {true, false}},
      {2, make_box({0, 0}, {4200, 300}), {false, true}},  // 4200 one-segment outputs: 2 batches
      {3, make_box({0, 0, 0}, {3, 70, 300}), {true, false, true}},
      {1, make_box({5}, {5 + 65 * kReduceSegment + 3}), {true}},  // 66 segments
  };
  for (const Shape& s : shapes) {
    const Shaped sp = shaped_program(s.ndim, s.box);
    bool reduced[kMaxDims] = {};
    std::string what = "ndim " + std::to_string(s.ndim) + " box";
    for (int d = 0; d < s.ndim; ++d) {
      reduced[d] = s.reduced[d];
      what += " [" + std::to_string(s.box.lo[d]) + "," + std::to_string(s.box.hi[d]) + ")" +
              (reduced[d] ? "r" : "k");
    }
    for (ReduceOp op : kOps) check_reduce(sp.program, s.box, reduced, op, what);
  }
}

// The plan's choices, which the shapes above rely on.
TEST(BoxAlgorithms, PlanPaths) {
  const Box small = make_box({0, 0}, {10, kReduceLanes});
  const Shaped a = shaped_program(2, small);
  const bool rows[kMaxDims] = {false, true};
  ReducePlan plan = detail::plan_reduce(a.program, small, rows, ReduceOp::sum);
  EXPECT_TRUE(plan.per_output);
  EXPECT_EQ(plan.outputs(), 10);
  EXPECT_EQ(plan.segments, 1);
  EXPECT_EQ(plan.scratch_partials(), 0);

  const Box big = make_box({0, 0}, {4200, 2 * kReduceSegment + 1});
  const Shaped b = shaped_program(2, big);
  plan = detail::plan_reduce(b.program, big, rows, ReduceOp::sum);
  EXPECT_FALSE(plan.per_output);
  EXPECT_EQ(plan.segments, 3);
  EXPECT_EQ(plan.segment_partials(), 4200 * 3);
  EXPECT_EQ(plan.scratch_partials(), detail::kLaneBatchSegments * kReduceLanes);
}

TEST(BoxAlgorithms, RejectsBadInputs) {
  Program p;
  p.ndim = 2;
  p.size = 1;  // load_constant
  Box box = make_box({0, 0}, {3, 4});
  EXPECT_NO_THROW(detail::plan_evaluate(p, box, DType::float64));
  EXPECT_THROW(detail::plan_evaluate(p, box, static_cast<DType>(4)), std::invalid_argument);
  EXPECT_THROW(detail::plan_reduce(p, box, nullptr, static_cast<ReduceOp>(11)),
               std::invalid_argument);
  Box empty = box;
  empty.hi[1] = empty.lo[1];
  EXPECT_THROW(detail::plan_evaluate(p, empty, DType::float64), std::invalid_argument);
  EXPECT_THROW(detail::plan_reduce(p, empty, nullptr, ReduceOp::sum), std::invalid_argument);
  Program underflow = p;
  underflow.code[0].op = Op::add;
  EXPECT_THROW(detail::plan_reduce(underflow, box, nullptr, ReduceOp::sum), std::invalid_argument);
  Program no_data = p;
  no_data.code[0].op = Op::load_buffer;
  EXPECT_THROW(detail::plan_evaluate(no_data, box, DType::float64), std::invalid_argument);
  Program too_long = p;
  too_long.size = kMaxInstructions + 1;
  EXPECT_THROW(detail::plan_reduce(too_long, box, nullptr, ReduceOp::max), std::invalid_argument);
}

// The GPU's algorithms on int64 lanes (testing::wrapping_integer_program): the int64 elements and
// the int64 reductions along each axis and both equal the host's, with every Thrust system.
TEST(BoxAlgorithms, IntegerLanesMatchTheHost) {
  const Program p = testing::wrapping_integer_program();
  const Box box = make_box({0, 0}, {testing::kIntegerRows, testing::kIntegerCols});
  const std::int64_t n = testing::kIntegerRows * testing::kIntegerCols;
  std::vector<std::uint8_t> host(n * sizeof(std::int64_t));
  host::evaluate({}, p, box, DType::int64, host.data());
  for (const std::vector<std::uint8_t>& got : {evaluate_with(thrust::device, p, box, DType::int64),
                                               evaluate_with(thrust::seq, p, box, DType::int64)})
    ASSERT_EQ(got, host);
  for (const ReduceOp op :
       {ReduceOp::sum_int64, ReduceOp::prod_int64, ReduceOp::min_int64, ReduceOp::max_int64}) {
    for (const bool* reduced : {static_cast<const bool*>(nullptr), kRowsOnly, kColsOnly}) {
      std::vector<Partial> want(reduced == nullptr ? 1
                                : reduced[0]       ? testing::kIntegerCols
                                                   : testing::kIntegerRows);
      host::reduce({}, p, box, reduced, op, want.data());
      for (bool fold_on_policy : {true, false}) {
        const std::vector<Partial> got =
            reduce_with(thrust::device, p, box, reduced, op, fold_on_policy);
        ASSERT_EQ(got.size(), want.size());
        for (std::size_t k = 0; k < want.size(); ++k) {
          ASSERT_EQ(as_integer(got[k].value), as_integer(want[k].value))
              << "op " << int(op) << ", output " << k;
          ASSERT_EQ(got[k].count, want[k].count);
        }
      }
    }
  }
}

}  // namespace
}  // namespace tessera::kernels
