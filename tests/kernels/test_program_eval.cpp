// The reference semantics of programs (program_eval.hpp): operators, leaves, partials, and
// validate()'s rejection of bad programs and boxes by every host entry point.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/program_validate.hpp"

namespace tessera::kernels {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

Instruction constant(double a) {
  Instruction in;
  in.op = Op::load_constant;
  in.a = a;
  return in;
}

Instruction op(Op o) {
  Instruction in;
  in.op = o;
  return in;
}

// A 0-d program from instructions.
Program program_of(std::initializer_list<Instruction> code, int ndim = 0) {
  Program p;
  p.ndim = ndim;
  for (const Instruction& in : code) p.code[p.size++] = in;
  return p;
}

double eval0(std::initializer_list<Instruction> code) {
  return evaluate_element(program_of(code), nullptr);
}

TEST(ProgramEval, OperatorsFollowNumPy) {
  EXPECT_EQ(eval0({constant(7), constant(2), op(Op::divide)}), 3.5);
  EXPECT_EQ(eval0({constant(2), constant(10), op(Op::power)}), 1024);
  EXPECT_EQ(eval0({constant(3), constant(5), op(Op::subtract)}), -2);
  EXPECT_TRUE(std::isnan(eval0({constant(kNaN), constant(1), op(Op::minimum)})));
  EXPECT_TRUE(std::isnan(eval0({constant(1), constant(kNaN), op(Op::minimum)})));
  EXPECT_TRUE(std::isnan(eval0({constant(kNaN), constant(1), op(Op::maximum)})));
  EXPECT_TRUE(std::isnan(eval0({constant(1), constant(kNaN), op(Op::maximum)})));
  EXPECT_EQ(eval0({constant(1), constant(2), op(Op::minimum)}), 1);
  EXPECT_EQ(eval0({constant(1), constant(2), op(Op::maximum)}), 2);
  EXPECT_EQ(eval0({constant(kNaN), constant(kNaN), op(Op::equal)}), 0);
  EXPECT_EQ(eval0({constant(kNaN), constant(1), op(Op::not_equal)}), 1);
  EXPECT_EQ(eval0({constant(1), constant(2), op(Op::less)}), 1);
  EXPECT_EQ(eval0({constant(2), constant(2), op(Op::less_equal)}), 1);
  EXPECT_EQ(eval0({constant(2), constant(2), op(Op::greater)}), 0);
  EXPECT_EQ(eval0({constant(3), constant(2), op(Op::greater_equal)}), 1);
  EXPECT_EQ(eval0({constant(0.5), constant(-2), op(Op::logical_and)}), 1);
  EXPECT_EQ(eval0({constant(0), constant(-2), op(Op::logical_and)}), 0);
  EXPECT_EQ(eval0({constant(0), constant(kNaN), op(Op::logical_or)}), 1);
  EXPECT_EQ(eval0({constant(0), op(Op::logical_not)}), 1);
  EXPECT_EQ(eval0({constant(-3), op(Op::logical_not)}), 0);
  EXPECT_EQ(eval0({constant(-2.7), op(Op::to_int64)}), -2);
  EXPECT_EQ(eval0({constant(2.7), op(Op::to_int64)}), 2);
  EXPECT_EQ(eval0({constant(kNaN), op(Op::to_int64)}), -0x1p63);
  // An int64 zero is unsigned: 1 / int64(-0.5) is +inf, as in NumPy.
  EXPECT_FALSE(std::signbit(eval0({constant(-0.5), op(Op::to_int64)})));
  EXPECT_EQ(eval0({constant(1), constant(-0.5), op(Op::to_int64), op(Op::divide)}), kInf);
  EXPECT_EQ(eval0({constant(1e300), op(Op::to_int64)}), -0x1p63);
  EXPECT_EQ(eval0({constant(kNaN), op(Op::to_bool)}), 1);
  EXPECT_EQ(eval0({constant(-0.0), op(Op::to_bool)}), 0);
  EXPECT_EQ(eval0({constant(0.1), op(Op::to_float32)}), static_cast<double>(0.1f));
  EXPECT_EQ(eval0({constant(-4), op(Op::absolute)}), 4);
  EXPECT_EQ(eval0({constant(-4), op(Op::negate)}), 4);
  EXPECT_EQ(eval0({constant(9), op(Op::square_root)}), 3);
  EXPECT_EQ(eval0({constant(0), op(Op::exponential)}), 1);
  EXPECT_EQ(eval0({constant(1), op(Op::logarithm)}), 0);
  EXPECT_EQ(eval0({constant(0), op(Op::sine)}), 0);
  EXPECT_EQ(eval0({constant(0), op(Op::cosine)}), 1);
  // where: a != 0 ? b : c, NaN counting as true.
  EXPECT_EQ(eval0({constant(0), constant(1), constant(2), op(Op::where)}), 2);
  EXPECT_EQ(eval0({constant(kNaN), constant(1), constant(2), op(Op::where)}), 1);
  EXPECT_EQ(eval0({constant(-1), constant(1), constant(2), op(Op::where)}), 1);
}

TEST(ProgramEval, LeavesReadTheirAffineElement) {
  // x[i, j] of a 2-D program with x = arange over a (10, 7) array read transposed, plus 0.5.
  Instruction x;
  x.op = Op::load_arange;
  x.a = 0.5;
  x.b = 2;
  x.map.offset = 3;
  x.map.stride[0] = 1;
  x.map.stride[1] = 10;
  const Program p = program_of({x}, 2);
  const std::int64_t idx[] = {4, 5};
  EXPECT_EQ(evaluate_element(p, idx), 0.5 + 2 * (3 + 4 + 50));

  Instruction u;
  u.op = Op::load_uniform;
  u.seed = 42;
  u.a = -1;
  u.b = 3;
  u.map.stride[1] = 1;
  EXPECT_EQ(evaluate_element(program_of({u}, 2), idx), -1 + 4 * uniform_double(42, 5));

  // Buffers of every dtype; bool bytes count as true when nonzero.
  const std::int64_t ints[] = {5, -3, 7};
  const float floats[] = {0.1f, 2.5f};
  const double doubles[] = {-0.25, 1e300};
  const std::uint8_t bools[] = {0, 1, 2};
  Instruction b;
  b.op = Op::load_buffer;
  b.map.stride[1] = 1;
  const std::int64_t at[] = {0, 1};
  b.dtype = DType::int64;
  b.data = ints;
  EXPECT_EQ(evaluate_element(program_of({b}, 2), at), -3);
  b.dtype = DType::float32;
  b.data = floats;
  EXPECT_EQ(evaluate_element(program_of({b}, 2), at), 2.5);
  b.dtype = DType::float64;
  b.data = doubles;
  EXPECT_EQ(evaluate_element(program_of({b}, 2), at), 1e300);
  b.dtype = DType::boolean;
  b.data = bools;
  const std::int64_t at2[] = {0, 2};
  EXPECT_EQ(evaluate_element(program_of({b}, 2), at), 1);
  EXPECT_EQ(evaluate_element(program_of({b}, 2), at2), 1);
}

TEST(ProgramEval, StoreConvertsLikeAstype) {
  std::int64_t i = 0;
  store_as(DType::int64, &i, 0, -2.9);
  EXPECT_EQ(i, -2);
  store_as(DType::int64, &i, 0, kNaN);
  EXPECT_EQ(i, INT64_MIN);
  float f = 0;
  store_as(DType::float32, &f, 0, 0.1);
  EXPECT_EQ(f, 0.1f);
  std::uint8_t b = 7;
  store_as(DType::boolean, &b, 0, -0.0);
  EXPECT_EQ(b, 0);
  store_as(DType::boolean, &b, 0, kNaN);
  EXPECT_EQ(b, 1);
}

constexpr ReduceOp kOps[] = {ReduceOp::sum, ReduceOp::prod, ReduceOp::min,    ReduceOp::max,
                             ReduceOp::any, ReduceOp::all,  ReduceOp::moments};

Partial partial_of(const std::vector<double>& values, ReduceOp o) {
  Partial p = identity(o);
  for (double v : values) accumulate(p, v, o);
  return p;
}

// int64 ** int64: pow for exponents >= 0; NaN per element for negative ones, which the host
// evaluator refuses outright, naming the pair, as NumPy raises "Integers to negative integer
// powers are not allowed."
TEST(ProgramEval, IntegerPowerRefusesNegativeExponents) {
  EXPECT_EQ(eval0({constant(3), constant(4), op(Op::integer_power)}), 81);
  EXPECT_EQ(eval0({constant(-2), constant(0), op(Op::integer_power)}), 1);
  EXPECT_TRUE(std::isnan(eval0({constant(2), constant(-1), op(Op::integer_power)})));
  EXPECT_TRUE(std::isnan(eval0({constant(1), constant(-3), op(Op::integer_power)})));
  const Program p = program_of({constant(7), constant(-2), op(Op::integer_power)});
  double out = 0;
  try {
    host::evaluate({}, p, Box{}, DType::float64, &out);
    ADD_FAILURE() << "no exception";
  } catch (const std::domain_error& e) {
    EXPECT_NE(std::string(e.what()).find("Integers to negative integer powers are not allowed: "
                                         "7 ** -2"),
              std::string::npos)
        << e.what();
  }
  Partial partial;
  EXPECT_THROW(host::reduce({}, p, Box{}, nullptr, ReduceOp::sum, &partial), std::domain_error);
}

TEST(Partials, EmptyPartialsCombineToTheOther) {
  const std::vector<double> values = {3, -1, 4, 1, -5};
  for (ReduceOp o : kOps) {
    const Partial p = partial_of(values, o);
    for (const Partial& q : {combine(identity(o), p, o), combine(p, identity(o), o)}) {
      EXPECT_EQ(q.value, p.value);
      EXPECT_EQ(q.count, p.count);
      EXPECT_EQ(q.mean, p.mean);
      EXPECT_EQ(q.m2, p.m2);
    }
    EXPECT_EQ(combine(identity(o), identity(o), o).count, 0);
  }
}

TEST(Partials, AccumulateAndCombineAgree) {
  const std::vector<double> a = {3, -1, 4, 1, -5, 9};
  const std::vector<double> b = {2, 6, -5.5};
  std::vector<double> ab = a;
  ab.insert(ab.end(), b.begin(), b.end());
  const Partial sum =
      combine(partial_of(a, ReduceOp::sum), partial_of(b, ReduceOp::sum), ReduceOp::sum);
  EXPECT_EQ(sum.value, 13.5);
  EXPECT_EQ(sum.count, 9);
  EXPECT_EQ(
      combine(partial_of(a, ReduceOp::prod), partial_of(b, ReduceOp::prod), ReduceOp::prod).value,
      3.0 * -1 * 4 * 1 * -5 * 9 * 2 * 6 * -5.5);
  EXPECT_EQ(
      combine(partial_of(a, ReduceOp::min), partial_of(b, ReduceOp::min), ReduceOp::min).value,
      -5.5);
  EXPECT_EQ(
      combine(partial_of(a, ReduceOp::max), partial_of(b, ReduceOp::max), ReduceOp::max).value, 9);
  EXPECT_EQ(partial_of({0, 0}, ReduceOp::any).value, 0);
  EXPECT_EQ(partial_of({0, 2}, ReduceOp::any).value, 1);
  EXPECT_EQ(partial_of({1, 2}, ReduceOp::all).value, 1);
  EXPECT_EQ(partial_of({1, 0}, ReduceOp::all).value, 0);
  // Moments: Chan's combination equals the direct two-pass figures.
  const Partial m = combine(partial_of(a, ReduceOp::moments), partial_of(b, ReduceOp::moments),
                            ReduceOp::moments);
  double mean = 0, m2 = 0;
  for (double v : ab) mean += v;
  mean /= ab.size();
  for (double v : ab) m2 += (v - mean) * (v - mean);
  EXPECT_EQ(m.count, 9);
  EXPECT_NEAR(m.mean + m.value, mean, 1e-15);
  EXPECT_NEAR(m.m2, m2, 1e-12);
  EXPECT_NEAR(m.mean, mean, 1e-15);
}

TEST(Partials, MinMaxPropagateNaN) {
  for (ReduceOp o : {ReduceOp::min, ReduceOp::max}) {
    EXPECT_TRUE(std::isnan(partial_of({1, kNaN, 2}, o).value));
    EXPECT_TRUE(std::isnan(combine(partial_of({1}, o), partial_of({kNaN}, o), o).value));
    EXPECT_TRUE(std::isnan(combine(partial_of({kNaN}, o), partial_of({-kInf}, o), o).value));
  }
}

// NumPy's mean is the sum over n: one infinity (or several of one sign) gives it, opposite ones
// or a NaN give NaN, whether the values are accumulated or their partials combined; M2 (var) is
// NaN as soon as an infinity is in (x - mean is inf - inf), as NumPy's var is.
TEST(Partials, MomentsOfInfiniteValuesFollowTheSum) {
  const ReduceOp m = ReduceOp::moments;
  struct Case {
    std::vector<double> a, b;
    double mean;
  };
  const Case cases[] = {{{1, kInf}, {3}, kInf},      {{2}, {-kInf, 5}, -kInf},
                        {{kInf}, {kInf, 1}, kInf},   {{kInf, 2}, {-kInf}, kNaN},
                        {{kInf}, {kNaN}, kNaN},      {{-kInf, -kInf}, {}, -kInf},
                        {{4, 5}, {6, kInf, 7}, kInf}};
  for (const Case& c : cases) {
    std::vector<double> all = c.a;
    all.insert(all.end(), c.b.begin(), c.b.end());
    for (const Partial& p : {partial_of(all, m), combine(partial_of(c.a, m), partial_of(c.b, m), m),
                             combine(partial_of(c.b, m), partial_of(c.a, m), m)}) {
      EXPECT_EQ(p.count, static_cast<double>(all.size()));
      if (std::isnan(c.mean))
        EXPECT_TRUE(std::isnan(p.mean)) << p.mean;
      else
        EXPECT_EQ(p.mean, c.mean) << "first value " << all[0];
      EXPECT_EQ(p.value, 0) << "the low part of an infinite mean";
      EXPECT_TRUE(std::isnan(p.m2)) << p.m2;
    }
  }
  // NaN data make everything NaN (np.var([1, nan, 3]) is nan, never 0).
  const Partial p = partial_of({1, kNaN, 3}, m);
  EXPECT_TRUE(std::isnan(p.mean) && std::isnan(p.m2));
}

// Expects `f` to throw std::invalid_argument whose message contains every one of `parts`.
template <class F>
void expect_invalid(F&& f, std::initializer_list<const char*> parts) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    for (const char* part : parts) {
      EXPECT_NE(std::string(e.what()).find(part), std::string::npos)
          << "message '" << e.what() << "' lacks '" << part << "'";
    }
  }
}

// Expects every host entry point to reject (program, box) naming `parts`.
void expect_rejected(const Program& p, const Box& box, std::initializer_list<const char*> parts) {
  expect_invalid([&] { validate(p, box); }, parts);
  std::vector<double> out(1 << 12);
  expect_invalid([&] { host::evaluate({}, p, box, DType::float64, out.data()); }, parts);
  Partial partial[4];
  expect_invalid([&] { host::reduce({}, p, box, nullptr, ReduceOp::sum, partial); }, parts);
}

Box box_2d(std::int64_t rows, std::int64_t cols) {
  Box box;
  box.hi[0] = rows;
  box.hi[1] = cols;
  return box;
}

TEST(Validate, RejectsBadPrograms) {
  const Box box = box_2d(2, 3);
  Program p = program_of({constant(1)}, 2);
  EXPECT_NO_THROW(validate(p, box));

  Program too_long = p;
  too_long.size = kMaxInstructions + 1;
  expect_rejected(too_long, box, {"program.size", "65"});
  Program empty = p;
  empty.size = 0;
  expect_rejected(empty, box, {"program.size", "0"});

  expect_rejected(program_of({op(Op::add)}, 2), box, {"underflow", "instruction 0"});
  expect_rejected(program_of({constant(1), op(Op::where)}, 2), box, {"underflow", "holds 1"});
  Program deep;
  deep.ndim = 2;
  for (int i = 0; i <= kMaxStack; ++i) deep.code[deep.size++] = constant(i);
  expect_rejected(deep, box, {"overflow", "17"});
  expect_rejected(program_of({constant(1), constant(2)}, 2), box, {"leaves 2 values"});

  Program wide = p;
  wide.ndim = kMaxDims + 1;
  expect_rejected(wide, box, {"program.ndim", "9"});
  Program negative = p;
  negative.ndim = -1;
  expect_rejected(negative, box, {"program.ndim", "-1"});

  Instruction unknown = op(Op::add);
  unknown.op = static_cast<Op>(200);
  expect_rejected(program_of({constant(1), unknown}, 2), box, {"unknown op", "200"});
  Instruction no_data;
  no_data.op = Op::load_buffer;
  expect_rejected(program_of({no_data}, 2), box, {"without data"});
  Instruction bad_dtype;
  bad_dtype.op = Op::load_buffer;
  bad_dtype.dtype = static_cast<DType>(9);
  bad_dtype.data = &p;
  expect_rejected(program_of({bad_dtype}, 2), box, {"dtype", "9"});
  Instruction before_start;
  before_start.op = Op::load_uniform;
  before_start.map.offset = -5;
  before_start.map.stride[1] = 1;
  expect_rejected(program_of({before_start}, 2), box, {"negative flat index", "-5"});
}

TEST(Validate, RejectsEmptyBoxes) {
  const Program p = program_of({constant(1)}, 2);
  expect_rejected(p, box_2d(0, 3), {"empty box", "dimension 0", "[0, 0)"});
  Box backwards = box_2d(2, 3);
  backwards.lo[1] = 5;
  expect_rejected(p, backwards, {"empty box", "dimension 1", "[5, 3)"});
  // Dimensions past ndim are ignored: a 0-d program has exactly one element.
  EXPECT_NO_THROW(validate(program_of({constant(1)}, 0), Box{}));
}

TEST(Validate, AcceptsTheDeepestStack) {
  Program deep;
  deep.ndim = 2;
  for (int i = 0; i < kMaxStack; ++i) deep.code[deep.size++] = constant(i);
  for (int i = 1; i < kMaxStack; ++i) deep.code[deep.size++] = op(Op::add);
  const Box box = box_2d(3, 300);
  EXPECT_NO_THROW(validate(deep, box));
  std::vector<double> out(900);
  host::evaluate({}, deep, box, DType::float64, out.data());
  EXPECT_EQ(out[0], 120);
  EXPECT_EQ(out[899], 120);
}

// ---- int64 lanes: exact over the whole range, wrapping around as NumPy's int64 arrays do. The
// expected values are Python's integers reduced modulo 2^64 (and NumPy 1.24's results). ----

constexpr std::int64_t k2to60 = std::int64_t{1} << 60;

Instruction integer_constant(std::int64_t value) {
  Instruction in;
  in.op = Op::load_constant;
  in.integer = true;
  in.ia = value;
  return in;
}

Instruction integer_op(Op o) {
  Instruction in = op(o);
  in.integer = true;
  return in;
}

// A 0-d program of int64 lanes, validated, evaluated by the reference and by the host evaluator:
// the int64 both give (they must agree).
std::int64_t eval_int(std::initializer_list<Instruction> code) {
  const Program p = program_of(code);
  validate(p, Box{});
  EXPECT_TRUE(result_is_integer(p));
  const std::int64_t reference = as_integer(evaluate_element(p, nullptr));
  std::int64_t host = 0;
  host::evaluate({}, p, Box{}, DType::int64, &host);
  EXPECT_EQ(host, reference);
  return reference;
}

TEST(IntegerLanes, ArithmeticWrapsAroundAsNumPy) {
  EXPECT_EQ(eval_int({integer_constant(INT64_MAX), integer_constant(1), integer_op(Op::add)}),
            INT64_MIN);
  EXPECT_EQ(eval_int({integer_constant(INT64_MIN), integer_constant(1), integer_op(Op::subtract)}),
            INT64_MAX);
  EXPECT_EQ(eval_int({integer_constant(std::int64_t{1} << 62), integer_constant(4),
                      integer_op(Op::multiply)}),
            0);
  EXPECT_EQ(eval_int({integer_constant(k2to60), integer_constant(1), integer_op(Op::add)}),
            k2to60 + 1);  // as double, 2^60 + 1 is 2^60
  EXPECT_EQ(eval_int({integer_constant(INT64_MIN), integer_op(Op::negate)}), INT64_MIN);
  EXPECT_EQ(eval_int({integer_constant(INT64_MIN), integer_op(Op::absolute)}), INT64_MIN);
  EXPECT_EQ(eval_int({integer_constant(-k2to60 - 1), integer_op(Op::absolute)}), k2to60 + 1);
  // np.int64(3) ** 41 wraps: 3^41 mod 2^64 as a signed integer.
  EXPECT_EQ(eval_int({integer_constant(3), integer_constant(41), integer_op(Op::integer_power)}),
            -420491770248316829);
  EXPECT_EQ(eval_int({integer_constant(-2), integer_constant(63), integer_op(Op::integer_power)}),
            INT64_MIN);
  EXPECT_EQ(
      eval_int({integer_constant(k2to60), integer_constant(k2to60 + 1), integer_op(Op::minimum)}),
      k2to60);
  EXPECT_EQ(
      eval_int({integer_constant(k2to60), integer_constant(k2to60 + 1), integer_op(Op::maximum)}),
      k2to60 + 1);
}

// a // b and a % b of np.array([-7, 7, -7, 7, MIN, 5, 0, MIN]) and [2, -2, -2, 2, -1, 0, 0, 3]:
// floor semantics, 0 for division by zero and MIN // -1 == MIN (NumPy warns and gives these).
TEST(IntegerLanes, FloorDivisionAndRemainderFollowNumPy) {
  const std::int64_t a[] = {-7, 7, -7, 7, INT64_MIN, 5, 0, INT64_MIN};
  const std::int64_t b[] = {2, -2, -2, 2, -1, 0, 0, 3};
  const std::int64_t quotient[] = {-4, -4, 3, 3, INT64_MIN, 0, 0, -3074457345618258603};
  const std::int64_t remainder[] = {1, -1, -1, 1, 0, 0, 0, 1};
  for (int k = 0; k < 8; ++k) {
    EXPECT_EQ(
        eval_int({integer_constant(a[k]), integer_constant(b[k]), integer_op(Op::floor_divide)}),
        quotient[k])
        << a[k] << " // " << b[k];
    EXPECT_EQ(eval_int({integer_constant(a[k]), integer_constant(b[k]), integer_op(Op::remainder)}),
              remainder[k])
        << a[k] << " % " << b[k];
  }
}

// np.array([-7.5, 7.5, -0., 5., 1.]) // [2., -2., 3., 0., inf] is [-4., -4., -0., inf, 0.] and
// % is [0.5, -0.5, 0., nan, 1.].
TEST(ProgramEval, FloatFloorDivisionAndRemainderFollowNumPy) {
  const double a[] = {-7.5, 7.5, -0.0, 5, 1};
  const double b[] = {2, -2, 3, 0, kInf};
  const double quotient[] = {-4, -4, -0.0, kInf, 0};
  const double remainder[] = {0.5, -0.5, 0, kNaN, 1};
  for (int k = 0; k < 5; ++k) {
    const double q = eval0({constant(a[k]), constant(b[k]), op(Op::floor_divide)});
    const double r = eval0({constant(a[k]), constant(b[k]), op(Op::remainder)});
    EXPECT_EQ(q, quotient[k]) << a[k] << " // " << b[k];
    EXPECT_EQ(std::signbit(q), std::signbit(quotient[k])) << a[k] << " // " << b[k];
    if (std::isnan(remainder[k]))
      EXPECT_TRUE(std::isnan(r)) << a[k] << " % " << b[k];
    else
      EXPECT_EQ(r, remainder[k]) << a[k] << " % " << b[k];
  }
}

TEST(IntegerLanes, ComparisonsAndConversionsAreExact) {
  const auto compare = [](std::int64_t a, std::int64_t b, Op o) {
    return eval0({integer_constant(a), integer_constant(b), integer_op(o)});
  };
  EXPECT_EQ(compare(k2to60, k2to60 + 1, Op::equal), 0);
  EXPECT_EQ(compare(k2to60, k2to60 + 1, Op::not_equal), 1);
  EXPECT_EQ(compare(k2to60, k2to60 + 1, Op::less), 1);
  EXPECT_EQ(compare(k2to60 + 1, k2to60, Op::less), 0);
  EXPECT_EQ(compare(k2to60, k2to60 + 1, Op::greater_equal), 0);
  EXPECT_EQ(compare(INT64_MIN, INT64_MAX, Op::less_equal), 1);
  // int64 -> float64 rounds to nearest (ties to even), as NumPy's astype: 2^53 + 1 -> 2^53.
  const std::int64_t beyond = (std::int64_t{1} << 53) + 1;
  EXPECT_EQ(eval0({integer_constant(beyond), integer_op(Op::to_float64)}), 0x1p53);
  EXPECT_EQ(eval0({integer_constant(INT64_MAX), integer_op(Op::to_float64)}), 0x1p63);
  // int64 -> float32 rounds once, from the integer: 2^24 + 1 -> 2^24.
  EXPECT_EQ(eval0({integer_constant((1 << 24) + 1), integer_op(Op::to_float32)}), 0x1p24);
  EXPECT_EQ(eval0({integer_constant(INT64_MIN), integer_op(Op::to_bool)}), 1);
  EXPECT_EQ(eval0({integer_constant(INT64_MIN), integer_op(Op::logical_not)}), 0);
  // double -> int64 lane: truncation, NaN and out of range INT64_MIN; 2^62 exactly.
  EXPECT_EQ(eval_int({constant(-2.7), integer_op(Op::to_int64)}), -2);
  EXPECT_EQ(eval_int({constant(0x1p62), integer_op(Op::to_int64)}), std::int64_t{1} << 62);
  EXPECT_EQ(eval_int({constant(kNaN), integer_op(Op::to_int64)}), INT64_MIN);
  // where moves the lanes' bits: INT64_MIN's bits are those of -0.0, MAX's those of a NaN.
  EXPECT_EQ(eval_int({constant(1), integer_constant(INT64_MIN), integer_constant(INT64_MAX),
                      integer_op(Op::where)}),
            INT64_MIN);
  EXPECT_EQ(eval_int({constant(0), integer_constant(INT64_MIN), integer_constant(INT64_MAX),
                      integer_op(Op::where)}),
            INT64_MAX);
  // An integer result stored to other dtypes converts as NumPy's astype.
  double d = 0;
  store_integer_as(DType::float64, &d, 0, integer_lane(beyond));
  EXPECT_EQ(d, 0x1p53);
}

// An int64 arange from 2^60 (ia + ib * flat), over a box, evaluated and reduced by the host: every
// element exact, sums of several segments wrapping around, min and max exact.
TEST(IntegerLanes, HostEvaluatesAndReducesExactly) {
  Instruction x;
  x.op = Op::load_arange;
  x.integer = true;
  x.ia = std::int64_t{1} << 62;
  x.ib = 1;
  x.map.stride[0] = 1;
  Program p = program_of({x}, 1);
  Box box;
  box.hi[0] = 20000;  // three segments of 8192
  std::vector<std::int64_t> out(20000);
  host::evaluate({}, p, box, DType::int64, out.data());
  for (std::int64_t k = 0; k < 20000; ++k) ASSERT_EQ(out[k], (std::int64_t{1} << 62) + k);
  // sum(2^62 + k for k < 20000) = 20000 * 2^62 + 199990000, and 20000 * 2^62 = 0 mod 2^64.
  Partial partial;
  host::reduce({}, p, box, nullptr, ReduceOp::sum_int64, &partial);
  EXPECT_EQ(as_integer(partial.value), 199990000);
  EXPECT_EQ(partial.count, 20000);
  host::reduce({}, p, box, nullptr, ReduceOp::min_int64, &partial);
  EXPECT_EQ(as_integer(partial.value), std::int64_t{1} << 62);
  host::reduce({}, p, box, nullptr, ReduceOp::max_int64, &partial);
  EXPECT_EQ(as_integer(partial.value), (std::int64_t{1} << 62) + 19999);
  // Beginning 10000 below INT64_MAX, the arange itself wraps to INT64_MIN at k = 10000, and the
  // sum is 20000 * (2^63 - 10000) + 199990000 = -10000 mod 2^64.
  p.code[0].ia = INT64_MAX - 9999;
  host::reduce({}, p, box, nullptr, ReduceOp::sum_int64, &partial);
  EXPECT_EQ(as_integer(partial.value), -10000);
  host::reduce({}, p, box, nullptr, ReduceOp::max_int64, &partial);
  EXPECT_EQ(as_integer(partial.value), INT64_MAX);
  host::reduce({}, p, box, nullptr, ReduceOp::min_int64, &partial);
  EXPECT_EQ(as_integer(partial.value), INT64_MIN);
  host::reduce({}, p, box, nullptr, ReduceOp::prod_int64, &partial);
  EXPECT_EQ(as_integer(partial.value), 0);  // 2^63 of the factors are even
  // Partials of int64 sums combine with the wrap-around too.
  Partial a = identity(ReduceOp::sum_int64), b = identity(ReduceOp::sum_int64);
  accumulate(a, integer_lane(INT64_MAX), ReduceOp::sum_int64);
  accumulate(b, integer_lane(1), ReduceOp::sum_int64);
  EXPECT_EQ(as_integer(combine(a, b, ReduceOp::sum_int64).value), INT64_MIN);
}

TEST(Validate, RejectsMismatchedLaneKinds) {
  const Box box = box_2d(2, 3);
  const auto with_ndim2 = [](std::initializer_list<Instruction> code) {
    return program_of(code, 2);
  };
  expect_rejected(with_ndim2({integer_constant(1), constant(1), integer_op(Op::add)}), box,
                  {"instruction 2", "operand 1", "a double", "an int64 lane"});
  expect_rejected(with_ndim2({constant(1), constant(1), integer_op(Op::add)}), box,
                  {"operand 0", "a double"});
  expect_rejected(with_ndim2({integer_constant(1), constant(1), op(Op::add)}), box,
                  {"operand 0", "an int64 lane"});
  expect_rejected(with_ndim2({integer_constant(1), integer_constant(2), integer_constant(3),
                              integer_op(Op::where)}),
                  box, {"operand 0", "of op"});
  expect_rejected(with_ndim2({integer_constant(4), integer_op(Op::square_root)}), box,
                  {"instruction 1", "no int64 form"});
  Instruction uniform;
  uniform.op = Op::load_uniform;
  uniform.integer = true;
  expect_rejected(with_ndim2({uniform}), box, {"instruction 0", "no int64 form"});
  const double doubles[] = {1, 2, 3, 4, 5, 6};
  Instruction buffer;
  buffer.op = Op::load_buffer;
  buffer.integer = true;
  buffer.data = doubles;
  buffer.map.stride[1] = 1;
  expect_rejected(with_ndim2({buffer}), box, {"int64 load_buffer", "dtype 3"});
  // Reductions take the kind of lanes the program yields.
  Partial partials[2];
  const bool rows[] = {false, true};
  EXPECT_THROW(
      host::reduce({}, with_ndim2({constant(1)}), box, rows, ReduceOp::sum_int64, partials),
      std::invalid_argument);
  try {
    host::reduce({}, with_ndim2({integer_constant(1)}), box, rows, ReduceOp::sum, partials);
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("an int64 lane"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tessera::kernels
