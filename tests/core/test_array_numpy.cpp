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
