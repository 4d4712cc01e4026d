// Deep expressions, as iterative algorithms build them (issue 11): building, lowering, fusion
// costs and destruction must not recurse along the expression, and the values must be right.
// Each test runs on a thread with a small stack, so any recursion per step of the expression
// fails here long before it would exhaust a main thread's stack.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>

#include "array_reference.hpp"
#include "serial_executor.hpp"
#include "small_stack.hpp"
#include "tessera/array.hpp"

using namespace tessera;
using test_support::values_of;

namespace {

// Enough for one fused kernel's evaluation (its tiles live on the stack); far less than a
// recursion along thousands of steps needs. Sanitizers' frames are several times larger.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr std::size_t kSmallStack = 8u << 20;
#else
constexpr std::size_t kSmallStack = 1u << 20;
#endif

struct DeepExpressions : test_support::OnSerialExecutor {
  void deep(const std::function<void()>& body) { test_support::run_on_stack(kSmallStack, body); }
};

constexpr double kUnitRoundoff = std::numeric_limits<double>::epsilon() / 2;

// y_{n+1} = a*y_n + b*x from y_0 = 0 is y_n = b (1 - a^n) / (1 - a) x. Returns the largest
// difference between the computed y_n and that closed form, and checks it against a bound
// derived from the rounding: each step rounds its two products and their sum, at most
// 2u(|a y| + |b x|) <= 2uc with c = max|x| (|y| <= c throughout, as b / (1 - a) = 1), and the
// contraction by a sums those errors to at most 2uc / (1 - a). The decimal constants are stored
// within a relative u, which moves y_n by at most uc / (1 - a) (through a) and uc (through b).
void expect_moving_average(double a, double b, int steps, std::int64_t n) {
  Array x = arange(n, 250).astype(DType::float64);
  Array y = zeros({n}, 250);
  for (int step = 0; step < steps; ++step) y = y * a + x * b;
  const double c = static_cast<double>(n - 1);
  const double gain = b * (1 - std::pow(a, steps)) / (1 - a);
  const double step_bound = (3 / (1 - a) + 1) * kUnitRoundoff * c;

  const std::vector<double> values = values_of(y.compute());
  ASSERT_EQ(values.size(), static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i)
    ASSERT_NEAR(values[i], gain * static_cast<double>(i), step_bound) << "element " << i;

  // The mean of n such values adds at most (n - 1)uc of summation error.
  const double mean_bound = step_bound + static_cast<double>(n - 1) * kUnitRoundoff * c;
  EXPECT_NEAR(y.mean().compute().item<double>(), gain * c / 2, mean_bound);
  // One step more or less is far outside the bound: the test sees the number of steps.
  EXPECT_GT(b * std::pow(a, steps) * c, 100 * mean_bound);
}

}  // namespace

TEST_F(DeepExpressions, MovingAverageOf1000StepsMatchesItsClosedForm) {
  // The loop of the issue: it overflowed the stack in Lowering::lower_segment.
  deep([] { expect_moving_average(0.99, 0.01, 1000, 1000); });
}

TEST_F(DeepExpressions, MovingAverageOf5000StepsMatchesItsClosedForm) {
  // a = 0.999 keeps a^5000 = 0.0067 large enough for the value to tell the number of steps.
  deep([] { expect_moving_average(0.999, 0.001, 5000, 1000); });
}

TEST_F(DeepExpressions, TenThousandIncrementsAreExact) {
  deep([] {
    Array y = zeros({100}, 30, DType::int64);
    for (int step = 0; step < 10'000; ++step) y = y + 1;
    // Fusion as usual: six increments fit one kernel (kMaxFusedCost), so 10,000 are 1,667
    // kernels on each of the 4 chunks.
    EXPECT_EQ(y.task_count(), 4u * 1667);
    EXPECT_EQ(values_of(y.compute()), std::vector<double>(100, 10'000));
    EXPECT_EQ(y.sum().compute().item<std::int64_t>(), 1'000'000);
  });
}

TEST_F(DeepExpressions, LongChainsOfTransposesAndSlicesFuse) {
  // Transposes and slices cost no instruction, so any number of them fuses into one kernel.
  deep([] {
    Array t = zeros({3, 4}, 2) + arange(4, 4).astype(DType::float64);  // rows 0 1 2 3
    for (int step = 0; step < 10'001; ++step) t = t.T();               // odd: transposed
    EXPECT_EQ(t.shape(), (Shape{4, 3}));
    EXPECT_EQ(values_of(t.compute()), (std::vector<double>{0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3}));

    Array s = arange(10'010, 1000);
    for (int step = 0; step < 10'000; ++step) s = s[Slice{1}];  // drops the first element
    EXPECT_EQ(values_of(s.compute()),
              (std::vector<double>{10'000, 10'001, 10'002, 10'003, 10'004, 10'005, 10'006, 10'007,
                                   10'008, 10'009}));
    EXPECT_EQ(s.task_count(), 1u);  // the whole chain is one kernel over the last chunk
  });
}

TEST_F(DeepExpressions, LoweringAndDestroyingA200000DeepArrayReleasesEverything) {
  NDArray base({4}, DType::float64);
  for (int i = 0; i < 4; ++i) base.data<double>()[i] = i;
  deep([&] {
    Array y = from_ndarray(base, 4);
    for (int step = 0; step < 200'000; ++step) y = y + 1;
    EXPECT_EQ(base.owner().use_count(), 2);  // the leaf at the bottom holds the buffer
    // Lowering it builds 33,334 tasks (six increments per kernel), each reading the one before;
    // dropping them must not recurse either.
    EXPECT_EQ(y.task_count(), 33'334u);
  });
  EXPECT_EQ(base.owner().use_count(), 1);  // every node released, none leaked
}
