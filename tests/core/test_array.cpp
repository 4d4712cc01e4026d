// Arrays through the public API on a serial executor: metadata, creation, operations,
// reductions, persist, reproducibility and bad inputs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "array_reference.hpp"
#include "serial_executor.hpp"
#include "tessera/array.hpp"
#include "tessera/array_io.hpp"
#include "tessera/kernels/philox.hpp"
#include "tessera/random.hpp"

using namespace tessera;
using test_support::values_of;

namespace {

struct Arrays : test_support::OnSerialExecutor {};

template <class F>
void expect_invalid(F&& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no exception; expected one mentioning " << fragment;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

std::vector<double> iota_values(std::int64_t n, double start = 0) {
  std::vector<double> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), start);
  return v;
}

}  // namespace

TEST_F(Arrays, MetadataFollowsDask) {
  Array x = random::random({10000, 10000}, {1000, 1000}, 1);
  EXPECT_EQ(x.shape(), (Shape{10000, 10000}));
  EXPECT_EQ(x.dtype(), DType::float64);
  EXPECT_EQ(x.ndim(), 2);
  EXPECT_EQ(x.size(), 100'000'000);
  EXPECT_EQ(x.nbytes(), 800'000'000);
  EXPECT_EQ(x.numblocks(), (std::vector<std::int64_t>{10, 10}));
  EXPECT_EQ(x.chunksize(), (Shape{1000, 1000}));

  Array ragged = zeros({10, 7}, {4, 3});
  EXPECT_EQ(ragged.chunks(), (Chunks{{4, 4, 2}, {3, 3, 1}}));
  EXPECT_EQ(zeros({20}, 5).chunks(), (Chunks{{5, 5, 5, 5}}));
  EXPECT_EQ(zeros({6, 4}, {-1, 3}).chunks(), (Chunks{{6}, {3, 1}}));
  EXPECT_EQ(zeros({5, 3}, Chunks{{2, 3}, {3}}).chunks(), (Chunks{{2, 3}, {3}}));
  EXPECT_EQ(zeros({0, 3}, 2).chunks(), (Chunks{{0}, {2, 1}}));
}

TEST_F(Arrays, ReprShowsShapeDtypeChunksAndTasks) {
  std::ostringstream text;
  text << random::random({10000, 10000}, {1000, 1000}, 1);
  EXPECT_EQ(
      text.str(),
      "tessera.Array<random_sample, shape=(10000, 10000), dtype=float64, chunksize=(1000, 1000), "
      "numblocks=(10, 10), tasks=100>");
  std::ostringstream one_d;
  one_d << random::random({20}, 5, 1).sum();
  EXPECT_NE(one_d.str().find("shape=()"), std::string::npos) << one_d.str();
}

TEST_F(Arrays, BadChunksAndShapesNameTheValue) {
  expect_invalid([] { zeros({10}, 0); }, "0");
  expect_invalid([] { zeros({10}, -3); }, "-3");
  expect_invalid([] { zeros({10, 10}, {5}); }, "2");
  expect_invalid([] { zeros({5}, Chunks{{2, 2}}); }, "sum to 4");
  expect_invalid([] { zeros({-4}, 2); }, "-4");
  expect_invalid([] { zeros({1, 1, 1, 1, 1, 1, 1, 1, 1}, 1); }, "9 dimensions");
}

TEST_F(Arrays, CreationValues) {
  EXPECT_EQ(values_of(zeros({2, 3}, 2).compute()), std::vector<double>(6, 0.0));
  EXPECT_EQ(values_of(ones({4}, 3, DType::int64).compute()), std::vector<double>(4, 1.0));
  NDArray f = full({3}, 2.5, 2, DType::float32).compute();
  EXPECT_EQ(f.dtype(), DType::float32);
  EXPECT_EQ(values_of(f), std::vector<double>(3, 2.5));
  NDArray r = arange(10, 3).compute();
  EXPECT_EQ(r.dtype(), DType::int64);
  EXPECT_EQ(values_of(r), iota_values(10));
  EXPECT_EQ(values_of(arange(1.0, 2.0, 0.25, 2).compute()),
            (std::vector<double>{1.0, 1.25, 1.5, 1.75}));
  expect_invalid([] { arange(0.0, 1.0, 0.0, 2); }, "step 0");
}

TEST_F(Arrays, FromBufferAndNdarrayWrapHostMemory) {
  std::vector<double> data = iota_values(12);
  Array a = from_buffer(data.data(), {3, 4}, {2, 3});
  NDArray out = a.T().compute();
  EXPECT_EQ(out.shape(), (Shape{4, 3}));
  EXPECT_EQ(out.data<double>()[1], 4.0);  // out[0][1] = a[1][0]
  NDArray held({5}, DType::int64);
  for (int i = 0; i < 5; ++i) held.data<std::int64_t>()[i] = i * i;
  Array b = from_ndarray(held, 2);
  held = NDArray();  // the array keeps the memory alive
  EXPECT_EQ(values_of(b.compute()), (std::vector<double>{0, 1, 4, 9, 16}));
}

TEST_F(Arrays, RandomIsPhiloxOfTheFlatIndexForAnyChunking) {
  const std::uint64_t seed = 0x5eed;
  std::vector<double> expected(24 * 17);
  for (std::size_t i = 0; i < expected.size(); ++i) expected[i] = kernels::uniform_double(seed, i);
  for (ChunkSpec chunks : {ChunkSpec({24, 17}), ChunkSpec({5, 4}), ChunkSpec({7, 17}),
                           ChunkSpec(Chunks{{1, 23}, {16, 1}})}) {
    NDArray x = random::random({24, 17}, chunks, seed).compute();
    ASSERT_EQ(x.size(), 24 * 17);
    for (std::int64_t i = 0; i < x.size(); ++i) ASSERT_EQ(x.data<double>()[i], expected[i]) << i;
  }
  // Transposed reads see the same elements.
  NDArray t = random::random({24, 17}, {5, 4}, seed).T().compute();
  EXPECT_EQ(t.data<double>()[1 * 24 + 2], expected[2 * 17 + 1]);
}

TEST_F(Arrays, UniformNormalAndGenerators) {
  NDArray u = random::uniform(-2, 3, {1000}, 300, 7).compute();
  for (std::int64_t i = 0; i < u.size(); ++i) {
    ASSERT_GE(u.data<double>()[i], -2.0);
    ASSERT_LE(u.data<double>()[i], 3.0);
  }
  // Normal(5, 2) over 10^6 samples: sample mean within 6 standard errors (2/sqrt(n)), sample
  // std within 6 standard errors of the std (about 2/sqrt(2n)).
  const double n = 1e6;
  NDArray stats = random::normal(5, 2, {1000, 1000}, {250, 1000}, 11).mean().compute();
  EXPECT_NEAR(stats.item<double>(), 5.0, 6 * 2 / std::sqrt(n));
  NDArray spread = random::normal(5, 2, {1000, 1000}, {250, 1000}, 11).std().compute();
  EXPECT_NEAR(spread.item<double>(), 2.0, 6 * 2 / std::sqrt(2 * n));

  auto rng = random::default_rng(42);
  Array first = rng.random({8}, 4);
  Array second = rng.random({8}, 4);
  EXPECT_EQ(values_of(first.compute()), values_of(random::random({8}, 4, 42).compute()));
  EXPECT_NE(values_of(first.compute()), values_of(second.compute()));
  auto again = random::default_rng(42);
  again.random({8}, 4);
  EXPECT_EQ(values_of(again.random({8}, 4).compute()), values_of(second.compute()));
  NDArray f32 = random::default_rng(3).random({6}, 4, DType::float32).compute();
  EXPECT_EQ(f32.dtype(), DType::float32);
  expect_invalid([] { random::normal(0, -1, {3}, 3, 1); }, "-1");
}

TEST_F(Arrays, SeedExamplesAgainstReferenceLoops) {
  // random(20, chunks=5).sum()
  NDArray x20 = random::random({20}, 5, 9).compute();
  double sum20 = 0;
  for (int i = 0; i < 20; ++i) sum20 += x20.data<double>()[i];
  EXPECT_NEAR(random::random({20}, 5, 9).sum().compute().item<double>(), sum20, 20 * 1e-16 * 20);

  // (x + x.T).mean() and (x + x.T).mean(axis=0).std() on a small ragged grid.
  const std::int64_t n = 37;
  Array x = random::random({n, n}, {10, 10}, 5);
  NDArray xv = x.compute();
  const double* v = xv.data<double>();
  double total = 0;
  std::vector<double> column_mean(n, 0);
  for (std::int64_t i = 0; i < n; ++i)
    for (std::int64_t j = 0; j < n; ++j) {
      const double s = v[i * n + j] + v[j * n + i];
      total += s;
      column_mean[j] += s / n;
    }
  // Summation error bound: n^2 terms of size <= 2, relative eps each: n^2 * 2 * n^2 * eps.
  const double eps = std::numeric_limits<double>::epsilon();
  EXPECT_NEAR((x + x.T()).mean().compute().item<double>(), total / (n * n), n * n * 2 * eps * 4);
  double mean_of_means = 0, m2 = 0;
  for (double m : column_mean) mean_of_means += m / n;
  for (double m : column_mean) m2 += (m - mean_of_means) * (m - mean_of_means);
  EXPECT_NEAR((x + x.T()).mean(0).std().compute().item<double>(), std::sqrt(m2 / n), 1e-12);
}

TEST_F(Arrays, ReductionsOverAxesWithKeepdims) {
  std::vector<double> data = iota_values(24, 1);
  Array a = from_buffer(data.data(), {2, 3, 4}, {1, 2, 3});
  NDArray s = a.sum({0, 2}).compute();
  EXPECT_EQ(s.shape(), (Shape{3}));
  // sum over i, k of 1 + 12 i + 4 j + k
  for (int j = 0; j < 3; ++j) {
    double expected = 0;
    for (int i = 0; i < 2; ++i)
      for (int k = 0; k < 4; ++k) expected += 1 + 12 * i + 4 * j + k;
    EXPECT_EQ(s.data<double>()[j], expected);
  }
  NDArray kept = a.max({1}, {.keepdims = true}).compute();
  EXPECT_EQ(kept.shape(), (Shape{2, 1, 4}));
  EXPECT_EQ(kept.data<double>()[0], 9.0);
  EXPECT_EQ(a.min().compute().item<double>(), 1.0);
  EXPECT_EQ(a.prod({2}).compute().data<double>()[0], 1.0 * 2 * 3 * 4);
  EXPECT_EQ(a.mean(-1).compute().shape(), (Shape{2, 3}));
  NDArray any = (a > 23.0).any().compute();
  EXPECT_EQ(any.dtype(), DType::boolean);
  EXPECT_TRUE(any.item<bool>());
  EXPECT_FALSE((a > 23.0).all().compute().item<bool>());
  NDArray count = (a > 12.0).sum().compute();
  EXPECT_EQ(count.dtype(), DType::int64);
  EXPECT_EQ(count.item<std::int64_t>(), 12);
  EXPECT_EQ(a.var({}, 1).compute().item<double>(), 50.0);  // var of 1..24 with ddof 1
}

TEST_F(Arrays, SplitEveryGivesTheSameResultAndTreeShape) {
  Array x = random::random({64, 64}, {4, 4}, 3);
  Array coarse = x.sum({}, {.split_every = 16});
  Array fine = x.sum({}, {.split_every = 2});
  EXPECT_LT(coarse.task_count(), fine.task_count());
  EXPECT_NEAR(coarse.compute().item<double>(), fine.compute().item<double>(), 4096 * 2e-16 * 4096);
  expect_invalid([&] { x.sum({}, {.split_every = 1}); }, "split_every 1");
}

TEST_F(Arrays, SameGraphSameBits) {
  Array y = (random::random({300, 200}, {70, 45}, 8) * 3.0 - 1.0).std(0).sum();
  const double a = y.compute().item<double>();
  const double b = y.compute().item<double>();
  EXPECT_EQ(std::memcmp(&a, &b, sizeof a), 0);
}

TEST_F(Arrays, VarianceIsStableOnALargeMean) {
  // 1e9 + U(0,1): the naive sum-of-squares formula loses every digit here.
  Array x = random::random({1000, 1000}, {300, 300}, 4) + 1e9;
  NDArray u = random::random({1000, 1000}, {300, 300}, 4).compute();
  long double mean = 0, m2 = 0;
  const double* v = u.data<double>();
  for (std::int64_t i = 0; i < u.size(); ++i) mean += (1e9L + v[i]);
  mean /= u.size();
  for (std::int64_t i = 0; i < u.size(); ++i) m2 += ((1e9L + v[i]) - mean) * ((1e9L + v[i]) - mean);
  const double expected = static_cast<double>(m2 / u.size());
  // Each 1e9 + u is rounded to a 2^-23 grid (ulp of 1e9 in double is 1.2e-7): that rounding,
  // not the algorithm, bounds agreement: relative ~1e-6 of a variance near 1/12.
  EXPECT_NEAR(x.var().compute().item<double>(), expected, 1e-6);
}

TEST_F(Arrays, PersistKeepsChunksAndDownstreamReadsThem) {
  Array x = random::random({50, 40}, {20, 15}, 12);
  Array p = (x * 2.0).persist();
  EXPECT_EQ(p.task_count(), 0u);
  EXPECT_EQ(p.chunks(), x.chunks());
  EXPECT_EQ(values_of(p.compute()), values_of((x * 2.0).compute()));
  // Downstream operations read the stored chunks (transposed and broadcast).
  EXPECT_EQ(values_of((p.T() + 1.0).compute()), values_of(((x * 2.0).T() + 1.0).compute()));
  EXPECT_NEAR(p.mean().compute().item<double>(), (x * 2.0).mean().compute().item<double>(), 1e-13);
}

TEST_F(Arrays, ElementwiseDtypesFollowNumPy) {
  Array i = arange(6, 3);
  Array f = zeros({6}, 3, DType::float32);
  EXPECT_EQ((i + i).dtype(), DType::int64);
  EXPECT_EQ((i / i).dtype(), DType::float64);
  EXPECT_EQ((i + f).dtype(), DType::float64);
  EXPECT_EQ((f + f).dtype(), DType::float32);
  EXPECT_EQ((f + 1.5).dtype(), DType::float32);  // weak Python-style scalars
  EXPECT_EQ((i + 1).dtype(), DType::int64);
  EXPECT_EQ((i + 1.5).dtype(), DType::float64);
  EXPECT_EQ((i < 3).dtype(), DType::boolean);
  EXPECT_EQ(sqrt(i).dtype(), DType::float64);
  EXPECT_EQ(sqrt(f).dtype(), DType::float32);
  EXPECT_EQ(i.mean().dtype(), DType::float64);
  EXPECT_EQ((i > 2).sum().dtype(), DType::int64);
  EXPECT_EQ(values_of(where(i > 2, i, -i).compute()), (std::vector<double>{0, -1, -2, 3, 4, 5}));
  EXPECT_EQ(values_of(pow(i, 2).compute()), (std::vector<double>{0, 1, 4, 9, 16, 25}));
  EXPECT_EQ(values_of((i / 4).astype(DType::int64).compute()),
            (std::vector<double>{0, 0, 0, 0, 1, 1}));
}

TEST_F(Arrays, BroadcastingScalarsAndSizeOneDims) {
  std::vector<double> col{1, 2, 3}, row{10, 20};
  Array c = from_buffer(col.data(), {3, 1}, 2);
  Array r = from_buffer(row.data(), {2}, 1);
  NDArray out = (c + r).compute();
  EXPECT_EQ(out.shape(), (Shape{3, 2}));
  EXPECT_EQ(values_of(out), (std::vector<double>{11, 21, 12, 22, 13, 23}));
  EXPECT_EQ((c + r).chunks(), (Chunks{{2, 1}, {1, 1}}));
}

TEST_F(Arrays, BadOperationsNameTheValue) {
  Array a = zeros({4, 5}, 2), b = zeros({5, 4}, 2);
  expect_invalid([&] { a + b; }, "(4, 5) (5, 4)");
  expect_invalid([&] { a.sum(2); }, "axis 2");
  expect_invalid([&] { a.mean({-3}); }, "axis -3");
  expect_invalid([&] { a.sum({0, 0}); }, "repeat");
  expect_invalid([&] { a.transpose({0}); }, "axes");
  expect_invalid([&] { zeros({0, 3}, 2).max(); }, "zero-size");
  expect_invalid([&] { zeros({0}, 2).mean(); }, "zero-size");
  expect_invalid([&] { a.var({}, -1); }, "ddof -1");
  EXPECT_EQ(zeros({0, 3}, 2).sum().compute().item<double>(), 0.0);  // sums have an identity
}

TEST_F(Arrays, NpyRoundTrip) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("tessera_array_" + std::to_string(::getpid()) + ".npy");
  Array x = random::random({30, 20}, {7, 6}, 77);
  to_npy(x, path.string());
  Array back = from_npy(path.string(), {10, 10});
  EXPECT_EQ(back.shape(), x.shape());
  EXPECT_EQ(values_of(back.compute()), values_of(x.compute()));
  std::filesystem::remove(path);
}
