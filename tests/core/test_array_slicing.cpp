// Basic indexing, x[1:5, 3]: Python's bounds rules, Dask's chunks, exact values from every kind
// of source (generated, buffers, persisted chunks), and clear errors. Random expressions with
// slices are in test_array_properties.cpp.
#include <gtest/gtest.h>

#include <cstring>

#include "array_reference.hpp"
#include "serial_executor.hpp"
#include "tessera/array.hpp"
#include "tessera/random.hpp"

using namespace tessera;
using test_support::values_of;

namespace {

struct Slicing : test_support::OnSerialExecutor {};

std::vector<double> numbers(std::initializer_list<double> list) {
  return std::vector<double>(list);
}

// Element (r, c) of a computed 2-d float64 array.
double at(const NDArray& a, std::int64_t r, std::int64_t c) {
  return a.data<double>()[r * a.shape()[1] + c];
}

}  // namespace

TEST_F(Slicing, ChunksAndValuesMatchDask) {
  // Expected chunks and values printed by Dask 2022.12 for da.arange(20, chunks=5)[s].
  const Array x = arange(20, 5);
  struct Expect {
    Slice slice;
    std::vector<std::int64_t> chunks;
    std::vector<double> values;
  };
  const std::vector<Expect> cases = {
      {{3, 17, 3}, {1, 2, 1, 1}, numbers({3, 6, 9, 12, 15})},
      {{.step = -2}, {3, 2, 3, 2}, numbers({19, 17, 15, 13, 11, 9, 7, 5, 3, 1})},
      {{5, 5}, {0}, {}},
      {{18, 2, -4}, {1, 2, 1}, numbers({18, 14, 10, 6})},
      {{-3, {}}, {3}, numbers({17, 18, 19})},
      {{.step = 7}, {1, 1, 1}, numbers({0, 7, 14})},
  };
  for (const auto& [slice, chunks, values] : cases) {
    const Array y = x[slice];
    EXPECT_EQ(y.chunks(), Chunks{chunks});
    EXPECT_EQ(y.shape(), Shape{static_cast<std::int64_t>(values.size())});
    EXPECT_EQ(y.dtype(), DType::int64);
    EXPECT_EQ(values_of(y.compute()), values);
  }
  // Bounds past the ends are clipped, as in Python: x[-100:100] is all of x, and x[:] is x
  // itself, not a "getitem" of it with tasks of its own.
  for (const Slice& all : {Slice{-100, 100}, Slice{}}) {
    EXPECT_EQ(x[all].name(), x.name());
    EXPECT_EQ(x[all].task_count(), x.task_count());
  }
}

// Dask keeps the chunk where the stop cuts a forward step short, selecting nothing there:
// da.arange(18, chunks=((12, 2, 4),))[:16:4].chunks is ((3, 1, 0),); [:14:4] stops at the
// chunk's start and drops it; going backward every chunk kept selects something.
TEST_F(Slicing, ForwardStepsKeepTheChunkTheirStopCutsShortAsDaskDoes) {
  const Array x = arange(18, Chunks{{12, 2, 4}});
  EXPECT_EQ((x[Slice{.stop = 16, .step = 4}].chunks()), (Chunks{{3, 1, 0}}));
  EXPECT_EQ(values_of(x[Slice{.stop = 16, .step = 4}].compute()), numbers({0, 4, 8, 12}));
  EXPECT_EQ((x[Slice{.stop = 14, .step = 4}].chunks()), (Chunks{{3, 1}}));
  EXPECT_EQ((x[Slice{.start = 15, .stop = 0, .step = -4}].chunks()), (Chunks{{1, 3}}));
}

TEST_F(Slicing, PositionsDropAxesAndMissingAxesAreWhole) {
  const Array y = zeros({6, 8}, Chunks{{4, 2}, {3, 3, 2}});
  EXPECT_EQ((y[{Slice{1, 6, 2}, 5}].chunks()), (Chunks{{2, 1}}));  // Dask: ((2, 1),)
  EXPECT_EQ((y[{-1, Slice{.step = -3}}].chunks()), (Chunks{{1, 1, 1}}));
  EXPECT_EQ(y[2].chunks(), (Chunks{{3, 3, 2}}));
  EXPECT_EQ(y[2].shape(), Shape{8});
  EXPECT_EQ((y[{2, 3}].shape()), Shape{});  // a 0-d array, as NumPy's x[2, 3] of a dask array
  EXPECT_EQ((y[{2, 3}].ndim()), 0);
  EXPECT_EQ(values_of(y[{2, 3}].compute()), numbers({0}));
}

TEST_F(Slicing, RandomLeavesGenerateExactlyTheSelectedValues) {
  // The selection fuses into the kernel: the values are those of the full array, bit for bit.
  const Array x = random::random({40, 30}, {7, 8}, 11);
  const NDArray full = x.compute();
  const NDArray part = x[{Slice{5, 37, 3}, Slice{.step = -2}}].compute();
  ASSERT_EQ(part.shape(), (Shape{11, 15}));
  for (std::int64_t r = 0; r < 11; ++r)
    for (std::int64_t c = 0; c < 15; ++c)
      ASSERT_EQ(at(part, r, c), at(full, 5 + 3 * r, 29 - 2 * c)) << r << ", " << c;
  // Through a transpose and an elementwise op, into a reduction.
  const double total = (x.T()[{Slice{1, 20}, 4}] * 2.0).sum().compute().item<double>();
  double expected = 0;
  for (std::int64_t c = 1; c < 20; ++c) expected += 2.0 * at(full, 4, c);
  EXPECT_NEAR(total, expected, 19 * 2.0 * 1e-16 * 19);  // 19 terms below 2: n * eps * sum|x|
}

TEST_F(Slicing, ReversedAndStridedReadsOfGenerators) {
  // Every stride sign and parity, straight and through x.T (the kernels' run, strided-run and
  // transposed-generator paths), with even and odd widths, for uniform, normal and float32 leaves.
  for (const Shape& shape : {Shape{33, 40}, Shape{34, 41}}) {
    std::vector<Array> leaves = {random::random(shape, {9, 16}, 5),
                                 random::normal(0.0, 1.0, shape, {9, 16}, 6),
                                 random::default_rng(7).random(shape, {9, 16}, DType::float32)};
    for (const Array& x : leaves) {
      const NDArray full = x.compute();
      for (const bool transposed : {false, true}) {
        const Array t = transposed ? x.T() : x;
        // t[i, j] is full[i, j], or full[j, i] when transposed.
        auto expected = [&](std::int64_t i, std::int64_t j) {
          return transposed ? full.element_as_double(j * shape[1] + i)
                            : full.element_as_double(i * shape[1] + j);
        };
        const std::int64_t rows_t = t.shape()[0], cols_t = t.shape()[1];
        for (const std::int64_t row_step : {1, -1, 2, -3})
          for (const std::int64_t col_step : {1, -1, 2, -2, 3, -4, 5}) {
            const NDArray part = t[{Slice{.step = row_step}, Slice{.step = col_step}}].compute();
            const std::int64_t rows = part.shape()[0], cols = part.shape()[1];
            for (std::int64_t r = 0; r < rows; ++r)
              for (std::int64_t c = 0; c < cols; ++c) {
                // Negative steps walk from the end.
                const std::int64_t i = row_step > 0 ? r * row_step : rows_t - 1 + r * row_step;
                const std::int64_t j = col_step > 0 ? c * col_step : cols_t - 1 + c * col_step;
                ASSERT_EQ(part.element_as_double(r * cols + c), expected(i, j))
                    << x.name() << (transposed ? ".T" : "") << " steps " << row_step << ", "
                    << col_step << " at " << r << ", " << c;
              }
          }
      }
    }
  }
}

TEST_F(Slicing, PersistedChunksAreReadOnlyWhereSelected) {
  const Array x = random::random({12, 10}, {5, 4}, 3);
  const NDArray full = x.compute();
  const Array kept = x.persist();
  const NDArray part = kept[{Slice{-3, 1, -2}, Slice{2, 9}}].compute();
  ASSERT_EQ(part.shape(), (Shape{4, 7}));  // rows 9, 7, 5, 3 (Python's range(12)[-3:1:-2])
  for (std::int64_t r = 0; r < 4; ++r)
    for (std::int64_t c = 0; c < 7; ++c) ASSERT_EQ(at(part, r, c), at(full, 9 - 2 * r, 2 + c));
  // One block selected: one task, reading that block only.
  EXPECT_EQ((kept[{Slice{0, 5}, Slice{4, 8}}].task_count()), 1u);
}

TEST_F(Slicing, BuffersAndBooleansKeepTheirDtype) {
  const std::vector<std::int64_t> data = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  const Array a = from_buffer(data.data(), {3, 4}, {2, 3});
  EXPECT_EQ((values_of(a[{Slice{1, {}}, Slice{.step = -1}}].compute())),
            numbers({7, 6, 5, 4, 11, 10, 9, 8}));
  const Array mask = a > 5;
  EXPECT_EQ(mask[1].dtype(), DType::boolean);
  EXPECT_EQ(values_of(mask[1].compute()), numbers({0, 0, 1, 1}));
}

TEST_F(Slicing, BadIndicesAreErrorsNamingThem) {
  const Array x = zeros({4, 5}, 2);
  try {
    x[{1, 5}];
    ADD_FAILURE() << "no exception";
  } catch (const std::out_of_range& e) {
    EXPECT_STREQ(e.what(), "index 5 is out of bounds for axis 1 with size 5");
  }
  EXPECT_THROW(x[-5], std::out_of_range);
  try {
    x[Slice{.step = 0}];
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("step cannot be zero"), std::string::npos) << e.what();
  }
  try {
    x[{1, 2, 3}];
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("2-dimensional, but 3 were indexed"), std::string::npos)
        << e.what();
  }
}
