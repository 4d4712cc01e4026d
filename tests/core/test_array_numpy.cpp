// NumPy's semantics where they are easy to get wrong: non-finite data in reductions, zero-size
// inputs, result dtypes, degrees of freedom, integer powers and fill values. Every expected value
// is what NumPy 1.26 returns for the expression quoted beside it.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "array_reference.hpp"
#include "serial_executor.hpp"
#include "tessera/array.hpp"

using namespace tessera;
using test_support::values_of;

namespace {

struct NumpySemantics : test_support::OnSerialExecutor {};

constexpr double kInf = std::numeric_limits<double>::infinity();

Array float_array(const std::vector<double>& values, const Shape& shape, const ChunkSpec& chunks) {
  NDArray host(shape, DType::float64);
  std::copy(values.begin(), values.end(), host.data<double>());
  return from_ndarray(host, chunks);
}

double scalar(const Array& a) {
  return a.compute().element_as_double(0);
}

}  // namespace

// np.array([1., np.nan, 3.]).var() is nan, whatever the chunking.
TEST_F(NumpySemantics, VarOfDataHoldingNanIsNanInEveryChunking) {
  for (std::int64_t chunk : {1, 2, 3}) {
    const Array x = float_array({1, NAN, 3}, {3}, chunk);
    EXPECT_TRUE(std::isnan(scalar(x.var()))) << "chunks of " << chunk;
    EXPECT_TRUE(std::isnan(scalar(x.std()))) << "chunks of " << chunk;
    EXPECT_TRUE(std::isnan(scalar(x.mean()))) << "chunks of " << chunk;
  }
}

// np.array([[1, nan], [2, 5]]).var(axis=0) is [0.25, nan]; with inf in place of nan, too.
TEST_F(NumpySemantics, VarAlongAnAxisKeepsNonFiniteColumnsNan) {
  for (double bad : {double{NAN}, kInf, -kInf}) {
    for (std::int64_t chunk : {1, 2}) {
      const Array x = float_array({1, bad, 2, 5}, {2, 2}, chunk);
      const std::vector<double> var = values_of(x.var(0).compute());
      ASSERT_EQ(var.size(), 2u);
      EXPECT_EQ(var[0], 0.25) << bad << " chunks of " << chunk;
      EXPECT_TRUE(std::isnan(var[1])) << bad << " chunks of " << chunk << ": " << var[1];
    }
  }
}

// np.mean([1, inf, 3]) is inf, np.mean([-inf, 2]) is -inf, np.mean([inf, -inf]) is nan,
// np.mean([inf, inf, 1]) is inf, in every chunking (the partial means combine as the sum would).
TEST_F(NumpySemantics, MeanOfInfiniteDataIsWhatTheSumGives) {
  struct Case {
    std::vector<double> values;
    double mean;
  };
  const Case cases[] = {{{1, kInf, 3}, kInf},          {{-kInf, 2}, -kInf},
                        {{kInf, -kInf}, double{NAN}},  {{kInf, kInf, 1}, kInf},
                        {{2, 3, -kInf, -kInf}, -kInf}, {{kInf, 1, NAN}, double{NAN}},
                        {{5, 1, 2, kInf}, kInf}};
  for (const Case& c : cases) {
    const auto n = static_cast<std::int64_t>(c.values.size());
    for (std::int64_t chunk = 1; chunk <= n; ++chunk) {
      const double mean = scalar(float_array(c.values, {n}, chunk).mean());
      if (std::isnan(c.mean))
        EXPECT_TRUE(std::isnan(mean)) << "chunks of " << chunk << " case " << c.values[0];
      else
        EXPECT_EQ(mean, c.mean) << "chunks of " << chunk << " case " << c.values[0];
    }
  }
}

// np.zeros((2, 0)).max(axis=0) is array([]); min, mean, var and std likewise.
TEST_F(NumpySemantics, ReductionsOfZeroSizeInputsOverNonEmptyAxesAreEmpty) {
  const Array x = zeros({2, 0}, 1);
  for (const Array& r : {x.max(0), x.min(0), x.mean(0), x.var(0), x.std(0)}) {
    const NDArray out = r.compute();
    EXPECT_EQ(out.shape(), (Shape{0})) << r.name();
  }
  EXPECT_EQ(zeros({0, 3}, 2).max(1, {.keepdims = true}).compute().shape(), (Shape{0, 1}));
  // Over the empty axis there is nothing to take a maximum of: NumPy raises ValueError.
  EXPECT_THROW(x.max(1), std::invalid_argument);
}

// np.var([1., 2.], ddof=2) is inf (ddof = n), np.var([1., 2.], ddof=3) is inf (NumPy clamps
// n - ddof at 0), np.var([3., 3.], ddof=2) is nan (0 / 0).
TEST_F(NumpySemantics, VarWithDdofAtLeastTheCountDividesByZero) {
  const Array x = float_array({1, 2}, {2}, 1);
  EXPECT_EQ(scalar(x.var({}, 2)), kInf);
  EXPECT_EQ(scalar(x.var({}, 3)), kInf);
  EXPECT_EQ(scalar(x.std({}, 2)), kInf);
  EXPECT_TRUE(std::isnan(scalar(float_array({3, 3}, {2}, 1).var({}, 2))));
}

// np.where(c, 3, -3) is int64, np.where(c, True, False) bool, np.where(c, 2.5, 1) float64.
TEST_F(NumpySemantics, WhereOfScalarsHasTheScalarsDtype) {
  const Array c = float_array({1, 0, 2}, {3}, 2) > 0.5;
  const Array ints = where(c, 3, -3);
  EXPECT_EQ(ints.dtype(), DType::int64);
  EXPECT_EQ(values_of(ints.compute()), (std::vector<double>{3, -3, 3}));
  const Array bools = where(c, true, false);
  EXPECT_EQ(bools.dtype(), DType::boolean);
  EXPECT_EQ(values_of(bools.compute()), (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(where(c, 2.5, 1).dtype(), DType::float64);
  EXPECT_EQ(where(c, true, 1).dtype(), DType::int64);
}

// np.int64(np.nan) raises ValueError "cannot convert float NaN to integer" (and infinities
// OverflowError); full() refuses such fill values for int64 rather than store INT64_MIN.
TEST_F(NumpySemantics, FullRefusesFillValuesInt64CannotHold) {
  for (double bad : {double{NAN}, kInf, -kInf, 0x1p63, -0x1p64}) {
    try {
      full({3}, bad, 1, DType::int64);
      ADD_FAILURE() << "no exception for " << bad;
    } catch (const std::invalid_argument& e) {
      const std::string message = e.what();
      EXPECT_NE(message.find(fmt::format("{}", bad)), std::string::npos) << message;
      EXPECT_NE(message.find("int64"), std::string::npos) << message;
    }
  }
  // What int64 holds is kept; fractions truncate toward zero, as NumPy's cast does.
  EXPECT_EQ(full({1}, -0x1p63, 1, DType::int64).compute().data<std::int64_t>()[0], INT64_MIN);
  EXPECT_EQ(values_of(full({2}, -2.7, 1, DType::int64).compute()), (std::vector<double>{-2, -2}));
  EXPECT_EQ(full({2}, NAN, 1, DType::float64).compute().shape(), (Shape{2}));
}

// np.arange(4) ** -1 raises ValueError "Integers to negative integer powers are not allowed.";
// so does compute(), naming the pair; float bases and non-negative exponents are unaffected.
TEST_F(NumpySemantics, IntegerPowersRefuseNegativeExponents) {
  const Array x = arange(4, 2);
  for (const Array& bad : {pow(x, -1), pow(x + 2, full({4}, -3, 3, DType::int64))}) {
    try {
      bad.compute();
      ADD_FAILURE() << "no exception";
    } catch (const std::exception& e) {
      EXPECT_NE(std::string(e.what()).find("Integers to negative integer powers are not allowed"),
                std::string::npos)
          << e.what();
    }
  }
  try {
    pow(x + 2, full({4}, -3, 3, DType::int64)).compute();
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("2 ** -3"), std::string::npos) << e.what();
  }
  EXPECT_EQ(values_of(pow(x, 3).compute()), (std::vector<double>{0, 1, 8, 27}));
  EXPECT_EQ(values_of(pow(x.astype(DType::float64) + 1, -1).compute()),
            (std::vector<double>{1, 0.5, 1.0 / 3, 0.25}));
}

// ---- int64 over its whole range: exact, wrapping around as NumPy's int64 arrays do (NumPy 1.24
// gives every value below; wrapped ones are Python's integers modulo 2^64) ----

namespace {

constexpr std::int64_t k2to60 = std::int64_t{1} << 60;

std::vector<std::int64_t> ints_of(const Array& a) {
  EXPECT_EQ(a.dtype(), DType::int64);
  const NDArray out = a.compute();
  return std::vector<std::int64_t>(out.data<std::int64_t>(), out.data<std::int64_t>() + out.size());
}

Array int_array(const std::vector<std::int64_t>& values, const ChunkSpec& chunks) {
  NDArray host({static_cast<std::int64_t>(values.size())}, DType::int64);
  std::copy(values.begin(), values.end(), host.data<std::int64_t>());
  return from_ndarray(host, chunks);
}

}  // namespace

// np.arange(2**60, 2**60 + 10) + 1 is 2**60 + 1 .. 2**60 + 10 (as doubles they would be 2**60).
TEST_F(NumpySemantics, Int64ArangeBeyondTwoTo53IsExact) {
  const std::vector<std::int64_t> got = ints_of(arange(k2to60, k2to60 + 10, 4) + 1);
  ASSERT_EQ(got.size(), 10u);
  for (std::int64_t k = 0; k < 10; ++k) EXPECT_EQ(got[k], k2to60 + 1 + k);
  // np.full(3, 2**62 + 1): the fill value exactly.
  EXPECT_EQ(ints_of(full({3}, (std::int64_t{1} << 62) + 1, 2, DType::int64)),
            std::vector<std::int64_t>(3, (std::int64_t{1} << 62) + 1));
}

// np.int64 arrays wrap: MAX + 1 is MIN, MIN - 1 is MAX, 2**62 * 4 is 0, -MIN is MIN.
TEST_F(NumpySemantics, Int64ArithmeticWrapsAround) {
  const Array max = full({3}, INT64_MAX, 2, DType::int64);
  const Array min = full({3}, INT64_MIN, 2, DType::int64);
  EXPECT_EQ(ints_of(max + 1), std::vector<std::int64_t>(3, INT64_MIN));
  EXPECT_EQ(ints_of(min - 1), std::vector<std::int64_t>(3, INT64_MAX));
  EXPECT_EQ(ints_of(-min), std::vector<std::int64_t>(3, INT64_MIN));
  EXPECT_EQ(ints_of(full({3}, std::int64_t{1} << 62, 2, DType::int64) * 4),
            std::vector<std::int64_t>(3, 0));
}

// np.arange(2**62, 2**62 + 20000).sum() is 199990000 (20000 * 2**62 wraps to 0), and from
// MAX - 9999 the elements themselves wrap, the sum being -10000: in chunks of 3000 the partials
// combine between tasks, in one chunk between the kernel's segments of 8192.
TEST_F(NumpySemantics, Int64SumsWrapAroundAcrossChunks) {
  for (std::int64_t chunk : {3000, 20000}) {
    const Array x = arange(std::int64_t{1} << 62, (std::int64_t{1} << 62) + 20000, chunk);
    EXPECT_EQ(ints_of(x.sum()), std::vector<std::int64_t>{199990000}) << "chunks of " << chunk;
    const Array y = arange(20000, chunk) + (INT64_MAX - 9999);
    EXPECT_EQ(ints_of(y.sum()), std::vector<std::int64_t>{-10000}) << "chunks of " << chunk;
    EXPECT_EQ(ints_of(y.max()), std::vector<std::int64_t>{INT64_MAX}) << "chunks of " << chunk;
    EXPECT_EQ(ints_of(y.min()), std::vector<std::int64_t>{INT64_MIN}) << "chunks of " << chunk;
    EXPECT_EQ(ints_of(y.prod()), std::vector<std::int64_t>{0}) << "chunks of " << chunk;
  }
}

// Values 2**60 and 2**60 + 1 are one double: min, max and comparisons tell them apart.
TEST_F(NumpySemantics, Int64MinMaxAndComparisonsBeyondTwoTo53) {
  const Array x = arange(k2to60, k2to60 + 2, 1);
  EXPECT_EQ(ints_of(x.max()), std::vector<std::int64_t>{k2to60 + 1});
  EXPECT_EQ(ints_of(x.min()), std::vector<std::int64_t>{k2to60});
  EXPECT_EQ(ints_of((-x).max()), std::vector<std::int64_t>{-k2to60});
  const Array a = full({1}, k2to60, 1, DType::int64);
  const Array b = full({1}, k2to60 + 1, 1, DType::int64);
  EXPECT_EQ(values_of((a == b).compute()), std::vector<double>{0});
  EXPECT_EQ(values_of((a < b).compute()), std::vector<double>{1});
  EXPECT_EQ(values_of((b < a).compute()), std::vector<double>{0});
  EXPECT_EQ(values_of((a != k2to60 + 1).compute()), std::vector<double>{1});
}

// np.array([-7, 7, -7, 7, MIN, 5, 0, MIN]) // [2, -2, -2, 2, -1, 0, 0, 3] is
// [-4, -4, 3, 3, MIN, 0, 0, -3074457345618258603] and % is [1, -1, -1, 1, 0, 0, 0, 1] (NumPy warns
// of the division by zero and of MIN // -1, and gives these).
TEST_F(NumpySemantics, Int64FloorDivisionAndRemainderFollowNumPy) {
  const Array a = int_array({-7, 7, -7, 7, INT64_MIN, 5, 0, INT64_MIN}, 3);
  const Array b = int_array({2, -2, -2, 2, -1, 0, 0, 3}, 3);
  EXPECT_EQ(ints_of(floor_divide(a, b)),
            (std::vector<std::int64_t>{-4, -4, 3, 3, INT64_MIN, 0, 0, -3074457345618258603}));
  EXPECT_EQ(ints_of(a % b), (std::vector<std::int64_t>{1, -1, -1, 1, 0, 0, 0, 1}));
  EXPECT_EQ(ints_of(floor_divide(a, -2)),
            (std::vector<std::int64_t>{3, -4, 3, -4, std::int64_t{1} << 62, -3, 0,
                                       std::int64_t{1} << 62}));
  // np.array([-7.5, 7.5]) // 2 is [-4., 3.] and % 2 is [0.5, 1.5].
  const Array f = float_array({-7.5, 7.5}, {2}, 1);
  EXPECT_EQ(values_of(floor_divide(f, 2).compute()), (std::vector<double>{-4, 3}));
  EXPECT_EQ(values_of((f % 2).compute()), (std::vector<double>{0.5, 1.5}));
}

// np.arange(2**53, 2**53 + 4) + 0.5 is float64 [2**53, 2**53, 2**53 + 2, 2**53 + 4]: each int64
// rounds to the nearest double first (2**53 + 1 to 2**53, ties to even), then the sum rounds;
// int64 / int64 is float64 too, and mean of int64 float64.
TEST_F(NumpySemantics, Int64MixedWithFloat64PromotesAsNumPy) {
  const Array z = arange(std::int64_t{1} << 53, (std::int64_t{1} << 53) + 4, 3);
  const Array half = z + 0.5;
  EXPECT_EQ(half.dtype(), DType::float64);
  EXPECT_EQ(values_of(half.compute()),
            (std::vector<double>{0x1p53, 0x1p53, 0x1p53 + 2, 0x1p53 + 4}));
  const Array third = z / full({1}, std::int64_t{3}, 1, DType::int64);
  EXPECT_EQ(third.dtype(), DType::float64);
  EXPECT_EQ(values_of(third.compute()),
            (std::vector<double>{3002399751580330.5, 3002399751580330.5, 3002399751580331.5,
                                 3002399751580332.0}));
  EXPECT_EQ(z.mean().dtype(), DType::float64);
  EXPECT_EQ(z.astype(DType::float64).dtype(), DType::float64);
  EXPECT_EQ(values_of(z.astype(DType::float64).compute())[1], 0x1p53);
}
