// Seeded property-based checks: random expressions over random shapes, ragged chunks, dtypes,
// transposes, broadcasts and reductions, compared with the reference loops in
// array_reference.hpp. Elementwise results must match exactly (the same double operations in the
// same order); reductions within a bound derived from the summation length. Written once and run
// on every executor (TEST_P): the serial test executor, a CPU cluster, a simulated device backend
// beside a host worker, and a GPU worker beside a host worker where a device is present; the
// same graphs must give the same answers wherever their chunks ran. The simulated device here
// reads host chunks (memory coherent with the host's), since the expressions' leaves are host
// buffers, which a CUDA worker leaves to host workers; and a host worker is in every cluster
// because transposes and slices of host chunks are host copies.
#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <random>

#include "array_reference.hpp"
#include "serial_executor.hpp"
#include "simulated_device.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
using namespace tessera::test_support;

namespace {

struct Case {
  Array array;
  Dense expected;
};

// NumPy's min/max: NaN anywhere makes the result NaN.
double nan_max(const std::vector<double>& g) {
  double m = -INFINITY;
  for (double v : g) m = std::isnan(v) || std::isnan(m) ? NAN : std::max(m, v);
  return m;
}
double nan_min(const std::vector<double>& g) {
  double m = INFINITY;
  for (double v : g) m = std::isnan(v) || std::isnan(m) ? NAN : std::min(m, v);
  return m;
}

class ExpressionGenerator {
 public:
  explicit ExpressionGenerator(std::uint64_t seed) : rng_(seed) {}

  // A random shape of 1..3 dims, extents 1..9, now and then 0 (a zero-size array).
  Shape shape() {
    Shape s(pick(1, 3));
    for (auto& e : s) e = pick(0, 15) == 0 ? 0 : pick(1, 9);
    return s;
  }

  // Ragged chunks: random cut points per dimension.
  Chunks chunks(const Shape& shape) {
    Chunks c;
    for (std::int64_t extent : shape) {
      std::vector<std::int64_t> sizes;
      std::int64_t left = extent;
      if (extent == 0) sizes.push_back(0);  // an empty axis is one empty chunk
      while (left > 0) {
        std::int64_t s = std::min(left, pick(1, 4));
        sizes.push_back(s);
        left -= s;
      }
      c.push_back(sizes);
    }
    return c;
  }

  Case leaf(const Shape& shape) {
    static const DType kDtypes[] = {DType::float64, DType::float32, DType::int64, DType::boolean};
    const DType dtype = kDtypes[pick(0, 3)];
    auto data = std::make_shared<NDArray>(shape, dtype);
    Dense dense{shape, dtype, {}};
    std::uniform_real_distribution<double> real(-4, 4);
    static const double kNonFinite[] = {NAN, INFINITY, -INFINITY};
    for (std::int64_t i = 0; i < data->size(); ++i) {
      double v = round_to(real(rng_), dtype);
      if (dtype == DType::boolean) v = pick(0, 1);
      // Now and then NaN or an infinity, so that reductions meet them in any chunk.
      if (is_floating(dtype) && pick(0, 15) == 0) v = kNonFinite[pick(0, 2)];
      switch (dtype) {
        case DType::boolean:
          data->data<bool>()[i] = v != 0;
          break;
        case DType::int64:
          data->data<std::int64_t>()[i] = static_cast<std::int64_t>(v);
          break;
        case DType::float32:
          data->data<float>()[i] = static_cast<float>(v);
          break;
        case DType::float64:
          data->data<double>()[i] = v;
          break;
      }
      dense.values.push_back(v);
    }
    return {from_ndarray(*data, chunks(shape)), dense};
  }

  // Builds an expression of the given depth whose result has `shape`.
  Case expression(const Shape& shape, int depth) {
    if (depth == 0) return leaf(shape);
    switch (pick(0, 6)) {
      case 0: {  // binary with broadcasting: one side may have size-1 dims
        Case a = expression(shape, depth - 1);
        Shape other = shape;
        for (auto& e : other)
          if (pick(0, 3) == 0) e = 1;
        Case b = expression(other, depth - 1);
        return binary(a, b);
      }
      case 1: {  // unary
        Case a = expression(shape, depth - 1);
        return unary(a);
      }
      case 2: {  // transpose of something with the permuted shape
        std::vector<int> axes(shape.size());
        std::iota(axes.begin(), axes.end(), 0);
        std::shuffle(axes.begin(), axes.end(), rng_);
        Shape inner(shape.size());
        for (std::size_t i = 0; i < axes.size(); ++i) inner[axes[i]] = shape[i];
        Case a = expression(inner, depth - 1);
        return {a.array.transpose(axes), transpose(a.expected, axes)};
      }
      case 3: {  // where
        Case c = expression(shape, depth - 1);
        Dense cond = map(c.expected, DType::boolean, [](double v) { return v; });
        if (pick(0, 2) == 0) return where_scalars(c.array, cond);
        Case a = expression(shape, depth - 1), b = expression(shape, depth - 1);
        const DType dtype = promote(a.expected.dtype, b.expected.dtype);
        Dense out{shape, dtype, {}};
        for (std::int64_t i = 0; i < out.size(); ++i)
          out.values.push_back(
              round_to(cond.values[i] != 0 ? a.expected.values[i] : b.expected.values[i], dtype));
        return {where(c.array, a.array, b.array), out};
      }
      case 4: {  // astype
        static const DType kDtypes[] = {DType::float64, DType::float32, DType::int64,
                                        DType::boolean};
        Case a = expression(shape, depth - 1);
        const DType dtype = kDtypes[pick(0, 3)];
        return {a.array.astype(dtype), map(a.expected, dtype, [](double v) { return v; })};
      }
      case 5:
        return indexed(shape, depth);
      default: {  // a min/max reduction that lands on `shape` (exact, so it can feed further ops)
        Shape bigger = shape;
        const int axis = pick(0, static_cast<int>(shape.size()));
        bigger.insert(bigger.begin() + axis, pick(1, 5));
        Case a = expression(bigger, depth - 1);
        const bool use_max = pick(0, 1) == 1;
        Shape kept;
        auto groups_of = groups(a.expected, {axis}, kept);
        Dense out{kept, a.expected.dtype, {}};
        for (const auto& g : groups_of) out.values.push_back(use_max ? nan_max(g) : nan_min(g));
        return {use_max ? a.array.max(axis) : a.array.min(axis), out};
      }
    }
  }

  std::int64_t pick(std::int64_t lo, std::int64_t hi) {
    return std::uniform_int_distribution<std::int64_t>(lo, hi)(rng_);
  }

 private:
  // Basic indexing of a larger expression that lands on `shape`: every kept axis a slice with a
  // step of -3..3 (bounds given, negative, clipped or left out), positions dropping extra axes.
  Case indexed(const Shape& shape, int depth) {
    struct Axis {
      bool kept;
      std::int64_t start, step;  // input index start + step * t (step unused when dropped)
    };
    Shape inner;
    std::vector<Axis> axes;
    std::vector<IndexItem> index;
    // At most 4 axes in all, so nested expressions stay within the kernels' 8 dimensions.
    std::size_t remaining = shape.size();
    auto drop_some = [&] {
      while (inner.size() + remaining < 4 && pick(0, 4) == 0) {
        const std::int64_t size = pick(1, 4), position = pick(-size, size - 1);
        inner.push_back(size);
        axes.push_back({false, position < 0 ? position + size : position, 1});
        index.emplace_back(position);
      }
    };
    for (std::int64_t n : shape) {
      drop_some();
      --remaining;
      if (n == 0) {  // an empty selection of a short axis, start == stop
        const std::int64_t m = pick(0, 3), at = pick(0, m);
        inner.push_back(m);
        axes.push_back({true, at, 1});
        index.emplace_back(Slice{at, at});
        continue;
      }
      static const std::int64_t kSteps[] = {1, 1, 2, 3, -1, -2, -3};
      // Large steps only near the leaves: nested slices multiply the extents.
      const std::int64_t step = kSteps[depth > 2 ? pick(0, 1) * 4 : pick(0, 6)];
      const std::int64_t s = std::abs(step);
      const std::int64_t before = pick(0, 2), after = pick(0, 2);
      const std::int64_t m = before + s * (n - 1) + 1 + after;  // the input axis
      inner.push_back(m);
      Slice slice{.step = step};
      std::int64_t start = 0;
      if (step > 0) {
        start = before;
        const std::int64_t stop = start + s * (n - 1) + pick(1, s);  // still n positions
        if (start > 0 || pick(0, 1)) slice.start = pick(0, 1) ? start : start - m;
        if (stop < m)
          slice.stop = pick(0, 2) ? stop : stop - m;  // counted from either end
        else if (pick(0, 1))
          slice.stop = stop + pick(0, 5);  // past the end: clipped
      } else {
        start = m - 1 - after;
        const std::int64_t stop = start - s * (n - 1) - pick(1, s);  // -1: past the front
        if (start < m - 1 || pick(0, 1)) slice.start = pick(0, 1) ? start : start - m;
        if (stop >= 0)
          slice.stop = pick(0, 1) ? stop : stop - m;
        else if (pick(0, 1))
          slice.stop = -m - 1 - pick(0, 3);  // clipped to the front
      }
      axes.push_back({true, start, step});
      index.emplace_back(slice);
    }
    drop_some();
    // Trailing whole axes may be left out of the index, as x[1:3] leaves them in NumPy.
    std::size_t given = index.size();
    while (given > 0 && std::holds_alternative<Slice>(index[given - 1])) {
      const Slice& last = std::get<Slice>(index[given - 1]);
      const Axis& axis = axes[given - 1];
      if (!(axis.step == 1 && axis.start == 0 &&
            last.stop.value_or(inner[given - 1]) >= inner[given - 1]) ||
          pick(0, 1) == 0)
        break;
      --given;
    }
    index.resize(given);
    Case a = expression(inner, depth - 1);
    Dense out{shape, a.expected.dtype, {}};
    const auto strides = strides_of(inner);
    Shape none;
    for (std::int64_t i = 0; i < out.size(); ++i) {
      const auto t = unravel(i, shape);
      std::int64_t flat = 0;
      std::size_t kept = 0;
      for (std::size_t j = 0; j < axes.size(); ++j) {
        const std::int64_t u =
            axes[j].kept ? axes[j].start + axes[j].step * t[kept++] : axes[j].start;
        flat += u * strides[j];
      }
      out.values.push_back(a.expected.values[flat]);
    }
    return {a.array[index], out};
  }

  // where(condition, a, b) of two scalars: NumPy gives Python's bool, int and float the dtypes
  // bool, int64 and float64 and promotes them (np.where(c, 3, -3) is int64).
  Case where_scalars(const Array& condition, const Dense& cond) {
    struct Pick {
      Scalar scalar;
      double value;
      DType dtype;
    };
    auto one = [this]() -> Pick {
      switch (pick(0, 2)) {
        case 0: {
          const bool b = pick(0, 1) == 1;
          return {b, b ? 1.0 : 0.0, DType::boolean};
        }
        case 1: {
          const int i = static_cast<int>(pick(-5, 5));
          return {i, static_cast<double>(i), DType::int64};
        }
        default: {
          const double f = static_cast<double>(pick(-10, 10)) / 4;
          return {f, f, DType::float64};
        }
      }
    };
    const Pick a = one(), b = one();
    const DType dtype = promote(a.dtype, b.dtype);
    Dense out{cond.shape, dtype, {}};
    for (double c : cond.values) out.values.push_back(round_to(c != 0 ? a.value : b.value, dtype));
    return {where(condition, a.scalar, b.scalar), out};
  }

  Case binary(const Case& a, const Case& b) {
    const DType da = a.expected.dtype, db = b.expected.dtype;
    switch (pick(0, 7)) {
      case 0:
        return {a.array + b.array, zip(a.expected, b.expected, promote(da, db),
                                       [](double x, double y) { return x + y; })};
      case 1: {
        if (da == DType::boolean && db == DType::boolean) return binary(a, b);
        return {a.array - b.array, zip(a.expected, b.expected, promote(da, db),
                                       [](double x, double y) { return x - y; })};
      }
      case 2:
        return {a.array * b.array, zip(a.expected, b.expected, promote(da, db),
                                       [](double x, double y) { return x * y; })};
      case 3: {
        DType d = promote(da, db);
        if (!is_floating(d)) d = DType::float64;
        return {a.array / b.array,
                zip(a.expected, b.expected, d, [](double x, double y) { return x / y; })};
      }
      case 4:
        return {a.array < b.array, zip(
                                       a.expected, b.expected, DType::boolean,
                                       [](double x, double y) { return x < y; })};
      case 5:
        return {a.array == b.array, zip(a.expected, b.expected, DType::boolean,
                                        [](double x, double y) { return x == y; })};
      case 6:
        return {maximum(a.array, b.array),
                zip(a.expected, b.expected, promote(da, db), [](double x, double y) {
                  return std::isnan(x) || std::isnan(y) ? NAN : std::max(x, y);
                })};
      default:
        return {a.array >= b.array, zip(a.expected, b.expected, DType::boolean,
                                        [](double x, double y) { return x >= y; })};
    }
  }

  Case unary(const Case& a) {
    const DType d = a.expected.dtype;
    const DType math = d == DType::float32 ? DType::float32 : DType::float64;
    switch (pick(0, 5)) {
      case 0:
        if (d == DType::boolean)
          return {~a.array, map(a.expected, DType::boolean, [](double v) { return v == 0; })};
        return {-a.array, map(a.expected, d, [](double v) { return -v; })};
      case 1:
        return {abs(a.array), map(a.expected, d, [](double v) { return std::fabs(v); })};
      case 2:
        return {exp(a.array), map(a.expected, math, [](double v) { return std::exp(v); })};
      case 3:
        return {sin(a.array), map(a.expected, math, [](double v) { return std::sin(v); })};
      case 4:
        return {sqrt(abs(a.array)), map(map(a.expected, d, [](double v) { return std::fabs(v); }),
                                        math, [](double v) { return std::sqrt(v); })};
      default:
        return {a.array * 2.0, map(a.expected, is_floating(d) ? d : DType::float64,
                                   [](double v) { return v * 2.0; })};
    }
  }

  std::mt19937_64 rng_;
};

// How many seeded cases a test runs: all of them in a plain build. ThreadSanitizer looks for
// races in the scheduler's handling of graphs, for which a tenth of them gives every executor
// hundreds of graphs (all of them took 100 s there); AddressSanitizer checks each expression's
// memory, so it keeps half.
constexpr std::uint64_t cases(std::uint64_t all) {
#if defined(__SANITIZE_THREAD__)
  return all / 10;
#elif defined(__SANITIZE_ADDRESS__)
  return all / 2;
#else
  return all;
#endif
}

// Where the arrays of one test compute.
enum class Place { serial, cpu_cluster, host_and_simulated, host_and_gpu };

std::string place_name(const ::testing::TestParamInfo<Place>& info) {
  switch (info.param) {
    case Place::serial:
      return "Serial";
    case Place::cpu_cluster:
      return "CpuCluster";
    case Place::host_and_simulated:
      return "HostAndSimulatedDevice";
    case Place::host_and_gpu:
      return "HostAndGpu";
  }
  return "Unknown";
}

// Makes the parameter's executor current for the test (a Client does it for a cluster, as
// Dask's default client) and checks afterwards that the work went where it was sent.
class ArrayProperties : public ::testing::TestWithParam<Place> {
 protected:
  static test_support::SimulatedDevice& device() {
    return test_support::simulated_coherent_device();
  }
  // Chunks the simulated device evaluated or reduced so far.
  static int ran_on_device() { return device().evaluated.load() + device().reduced.load(); }

  void SetUp() override {
    // Two single-threaded workers: tasks of one graph run concurrently and out of order.
    ClusterOptions options{.n_workers = 2, .threads_per_worker = 1};
    options.n_gpu_workers = 0;
    options.dashboard_address = "";
    const Backend simulated = device().backend;
    switch (GetParam()) {
      case Place::serial:
        serial_ = std::make_shared<test_support::SerialExecutor>();
        detail::push_executor(serial_);
        return;
      case Place::cpu_cluster:
        break;
      case Place::host_and_simulated:
        options.n_workers = 1;
        options.backend_workers = {{.backend = simulated, .threads = 1}};
        break;
      case Place::host_and_gpu:
        if (detect_hardware().gpus.empty()) {
          GTEST_SKIP() << "no CUDA device on this machine";
        }
        options.n_workers = 1;
        options.n_gpu_workers = 1;
        break;
    }
    ran_before_ = ran_on_device();
    cluster_.emplace(options);
    client_.emplace(*cluster_);
  }
  void TearDown() override {
    if (serial_) detail::remove_executor(serial_.get());
    if (!cluster_) return;
    const int ran = ran_on_device() - ran_before_;
    if (GetParam() == Place::host_and_simulated) {  // thousands of graphs: some chunks ran there
      EXPECT_GT(ran, 0);
      EXPECT_EQ(device().foreign_calls.load(), 0);
      EXPECT_EQ(device().memory->live(), 0u);  // every chunk left its memory
    }
    if (GetParam() == Place::cpu_cluster) {
      EXPECT_EQ(ran, 0);  // the device has no worker
    }
    client_.reset();
    cluster_.reset();
  }

 private:
  std::shared_ptr<test_support::SerialExecutor> serial_;
  std::optional<LocalCluster> cluster_;
  std::optional<Client> client_;
  int ran_before_ = 0;
};

bool same(double a, double b) {
  return (std::isnan(a) && std::isnan(b)) || a == b;
}

}  // namespace

// Random slices of random 1-D chunkings have the chunks Dask gives them (dask_slice_chunks
// follows Dask's own code) and, sliced again, those of the composed slices.
TEST(ArraySliceProperties, SlicesAreChunkedAsDaskChunksThem) {
  // The reference itself, on what Dask 2022.12 printed for da.arange(20, chunks=5)[s] and
  // da.arange(18, chunks=((12, 2, 4),))[:16:4].
  EXPECT_EQ(dask_slice_chunks({5, 5, 5, 5}, 3, 17, 3), (std::vector<std::int64_t>{1, 2, 1, 1}));
  EXPECT_EQ(dask_slice_chunks({5, 5, 5, 5}, {}, {}, -2), (std::vector<std::int64_t>{3, 2, 3, 2}));
  EXPECT_EQ(dask_slice_chunks({5, 5, 5, 5}, 18, 2, -4), (std::vector<std::int64_t>{1, 2, 1}));
  EXPECT_EQ(dask_slice_chunks({5, 5, 5, 5}, 5, 5, 1), (std::vector<std::int64_t>{0}));
  EXPECT_EQ(dask_slice_chunks({12, 2, 4}, {}, 16, 4), (std::vector<std::int64_t>{3, 1, 0}));
  for (std::uint64_t seed = 1; seed <= 3000; ++seed) {
    ExpressionGenerator gen(seed * 104729);
    const Shape shape{gen.pick(0, 24)};
    const Chunks chunks = gen.chunks(shape);
    const Array x = zeros(shape, chunks);
    auto bound = [&]() -> std::optional<std::int64_t> {
      if (gen.pick(0, 3) == 0) return std::nullopt;
      return gen.pick(-shape[0] - 3, shape[0] + 3);
    };
    const std::optional<std::int64_t> start = bound(), stop = bound();
    std::int64_t step = gen.pick(-6, 6);
    if (step == 0) step = 1;
    const Array y = x[Slice{start, stop, step}];
    const std::vector<std::int64_t> expected = dask_slice_chunks(chunks[0], start, stop, step);
    ASSERT_EQ(y.chunks(), Chunks{expected})
        << "seed " << seed << ": chunks " << format_shape(chunks[0]) << " sliced "
        << (start ? std::to_string(*start) : "") << ":" << (stop ? std::to_string(*stop) : "")
        << ":" << step;
  }
}

TEST_P(ArrayProperties, ElementwiseExpressionsMatchReferenceExactly) {
  for (std::uint64_t seed = 1; seed <= cases(3000); ++seed) {
    ExpressionGenerator gen(seed);
    const Shape shape = gen.shape();
    Case c = gen.expression(shape, static_cast<int>(gen.pick(1, 4)));
    NDArray out = c.array.compute();
    ASSERT_EQ(out.shape(), c.expected.shape) << "seed " << seed;
    ASSERT_EQ(out.dtype(), c.expected.dtype) << "seed " << seed;
    for (std::int64_t i = 0; i < out.size(); ++i)
      ASSERT_TRUE(same(out.element_as_double(i), c.expected.values[i]))
          << "seed " << seed << " element " << i << ": " << out.element_as_double(i) << " vs "
          << c.expected.values[i];
  }
}

TEST_P(ArrayProperties, ReductionsMatchReferenceWithinSummationBounds) {
  const double eps = std::numeric_limits<double>::epsilon();
  for (std::uint64_t seed = 1; seed <= cases(2000); ++seed) {
    ExpressionGenerator gen(seed * 7919);
    const Shape shape = gen.shape();
    Case c = gen.expression(shape, static_cast<int>(gen.pick(0, 2)));
    // A random non-empty subset of axes (or all), keepdims at random.
    std::vector<int> axes;
    for (int d = 0; d < static_cast<int>(shape.size()); ++d)
      if (gen.pick(0, 1)) axes.push_back(d);
    if (axes.empty()) axes.push_back(static_cast<int>(gen.pick(0, shape.size() - 1)));
    const bool keepdims = gen.pick(0, 1) == 1;
    const int split_every = static_cast<int>(gen.pick(2, 6));
    const ReduceOptions options{keepdims, split_every};
    Shape kept;
    auto groups_of = groups(c.expected, axes, kept);
    const int which = static_cast<int>(gen.pick(0, 5));
    // ddof up to past the count: NumPy divides by max(n - ddof, 0).
    std::int64_t reduced_count = 1;
    for (int axis : axes) reduced_count *= shape[axis];
    const int ddof = static_cast<int>(gen.pick(0, reduced_count + 1));
    const auto reduce = [&] {
      return which == 0   ? c.array.sum(axes, options)
             : which == 1 ? c.array.mean(axes, options)
             : which == 2 ? c.array.var(axes, ddof, options)
             : which == 3 ? c.array.std(axes, 1, options)
             : which == 4 ? c.array.max(axes, options)
                          : c.array.any(axes, options);
    };
    // Over an empty axis: sum is 0 and any false, as in NumPy; max has no identity and raises,
    // as NumPy does; mean, var and std refuse too (NumPy warns and gives NaN).
    if (reduced_count == 0 && which >= 1 && which <= 4) {
      EXPECT_THROW(reduce(), std::invalid_argument) << "seed " << seed;
      continue;
    }
    NDArray out = reduce().compute();
    ASSERT_EQ(out.size(), static_cast<std::int64_t>(groups_of.size())) << "seed " << seed;
    for (std::size_t k = 0; k < groups_of.size(); ++k) {
      const auto& g = groups_of[k];
      const double n = static_cast<double>(g.size());
      double sum = 0, abs_sum = 0;
      for (double v : g) sum += v, abs_sum += std::fabs(v);
      const double mean = sum / n;
      double m2 = 0;
      for (double v : g) m2 += (v - mean) * (v - mean);
      const double got = out.element_as_double(static_cast<std::int64_t>(k));
      if (which == 2 && n - ddof <= 0) {
        // Zero degrees of freedom: M2 / 0, inf unless M2 is 0 (then NaN); rounding may leave
        // either M2 of constant data a few ulps from 0.
        const double m2_tolerance = 8 * n * eps * (m2 + abs_sum * abs_sum / n);
        if (std::isnan(m2) || m2 > m2_tolerance)
          ASSERT_TRUE(same(got, m2 / 0.0)) << "seed " << seed << ": " << got << " for M2 " << m2;
        else
          ASSERT_TRUE(std::isnan(got) || got == INFINITY) << "seed " << seed << ": " << got;
        continue;
      }
      if (which == 0 && out.dtype() == DType::int64) {  // exact, wrapping as NumPy's int64 sums
        std::uint64_t wrapped = 0;
        for (double v : g) wrapped += static_cast<std::uint64_t>(static_cast<std::int64_t>(v));
        ASSERT_EQ(out.data<std::int64_t>()[k], static_cast<std::int64_t>(wrapped))
            << "seed " << seed << " element " << k;
        continue;
      }
      double expected = 0, tolerance = 0;
      // Any summation order errs by at most n * eps * sum|x| (first-order bound); squares of
      // deviations add the same relative error on m2.
      switch (which) {
        case 0:
          expected = sum;
          tolerance = n * eps * abs_sum;
          break;
        case 1:
          expected = mean;
          tolerance = eps * abs_sum * 4;
          break;
        case 2: {
          const double dof = std::max(n - ddof, 0.0);
          expected = m2 / dof;
          tolerance = 8 * n * eps * (m2 + abs_sum * abs_sum / n) / dof;
          break;
        }
        case 3:
          expected = std::sqrt(n > 1 ? m2 / (n - 1) : NAN);
          tolerance = 1e-9 * (1 + expected);
          break;
        case 4:
          expected = nan_max(g);
          break;
        default:
          expected = std::any_of(g.begin(), g.end(), [](double v) { return v != 0; });
          break;
      }
      expected = round_to(expected, out.dtype());
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(got)) << "seed " << seed;
        continue;
      }
      // Non-finite data (or a division by zero degrees of freedom) give NumPy's non-finite
      // results exactly: an infinity and finite values sum to it in any order, and the mean
      // is the sum over n.
      if (std::isinf(expected) || !std::isfinite(tolerance)) {
        ASSERT_TRUE(same(got, expected)) << "seed " << seed << " op " << which << " element " << k
                                         << ": " << got << " vs " << expected;
        continue;
      }
      // float32 results carry float32 rounding on top.
      if (out.dtype() == DType::float32) tolerance += std::fabs(expected) * 1.2e-7 * 2;
      ASSERT_NEAR(got, expected, tolerance)
          << "seed " << seed << " op " << which << " element " << k;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(EveryExecutor, ArrayProperties,
                         ::testing::Values(Place::serial, Place::cpu_cluster,
                                           Place::host_and_simulated, Place::host_and_gpu),
                         place_name);
