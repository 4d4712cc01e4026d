// Shapes, chunks, element and byte counts beyond int64 (issue 11): every product and sum is
// checked and refused with an error naming the values, instead of wrapping into a wrong size,
// a too-small allocation or a hang. Sizes just inside the limits still work.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <sstream>

#include "array_reference.hpp"
#include "serial_executor.hpp"
#include "tessera/array.hpp"

using namespace tessera;
using test_support::values_of;

namespace {

struct ShapeOverflow : test_support::OnSerialExecutor {};

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();
constexpr std::int64_t k2To(int n) {
  return std::int64_t{1} << n;
}

template <class F>
void expect_invalid(F&& f, std::initializer_list<std::string> fragments) {
  try {
    f();
    ADD_FAILURE() << "no exception";
  } catch (const std::invalid_argument& e) {
    for (const std::string& fragment : fragments)
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos)
          << "'" << e.what() << "' does not mention " << fragment;
  }
}

}  // namespace

TEST_F(ShapeOverflow, ElementCountsBeyondInt64AreRefused) {
  // 3037000500^2 is just above 2^63 - 1; it wrapped to a negative size().
  expect_invalid(
      [] {
        zeros({3037000500, 3037000500}, {k2To(20), k2To(20)});
      },
      {"(3037000500, 3037000500)", "9223372036854775807 elements"});
  // 2^80 wrapped to 0.
  expect_invalid(
      [] {
        zeros({k2To(40), k2To(40)}, {k2To(20), k2To(20)});
      },
      {"(1099511627776, 1099511627776)"});
  expect_invalid([] { ones({k2To(32), k2To(32)}, {k2To(31), k2To(31)}); }, {"(4294967296, "});
  expect_invalid(
      [] {
        from_buffer<double>(nullptr, {k2To(62), 4}, -1);
      },
      {"(4611686018427387904, 4)"});
}

TEST_F(ShapeOverflow, ByteCountsBeyondInt64AreRefused) {
  // 2^62 elements fit; as float64 they take 2^65 bytes.
  expect_invalid(
      [] {
        zeros({k2To(31), k2To(31)}, -1);
      },
      {"(2147483648, 2147483648)", "float64", "9223372036854775807 bytes"});
  Array flags = zeros({k2To(31), k2To(31)}, -1, DType::boolean);
  EXPECT_EQ(flags.size(), k2To(62));
  EXPECT_EQ(flags.nbytes(), k2To(62));
  expect_invalid([&] { flags.astype(DType::float32); }, {"astype", "float32"});
}

TEST_F(ShapeOverflow, TheLargestShapesStillWork) {
  // 3037000499^2 = 9223372030926249001 <= 2^63 - 1: one byte each fits.
  Array x = zeros({3037000499, 3037000499}, -1, DType::boolean);
  EXPECT_EQ(x.size(), 9223372030926249001);
  EXPECT_EQ(x.nbytes(), 9223372030926249001);
  expect_invalid([] { zeros({3037000499, 3037000499}, -1, DType::int64); }, {"int64", "bytes"});
}

TEST_F(ShapeOverflow, BroadcastingBeyondInt64IsRefused) {
  Array column = ones({k2To(32), 1}, {k2To(30), 1});
  Array row = ones({1, k2To(32)}, {1, k2To(30)});
  expect_invalid([&] { column + row; }, {"add", "(4294967296, 4294967296)"});
}

TEST_F(ShapeOverflow, ExplicitChunksThatWrapTheirSumAreRefused) {
  // INT64_MAX + INT64_MAX + 12 wraps to 10: the chunks were accepted and sum() hung.
  expect_invalid(
      [] {
        zeros({10}, Chunks{{kInt64Max, kInt64Max, 12}});
      },
      {"9223372036854775807, 9223372036854775807, 12", "extent is 10"});
  expect_invalid([] { zeros({10}, Chunks{{kInt64Max, 11}}); }, {"extent is 10"});
}

// A chunk size of 1 over 9e18 elements listed 9e18 sizes (std::length_error or bad_alloc; found
// by fuzz_chunk_spec, corpus/chunk_spec/uniform_9e18_chunks.json).
TEST_F(ShapeOverflow, MoreChunksPerDimensionThanTheLimitAreRefused) {
  const std::int64_t extent = 9'000'000'000'000'000'000;
  expect_invalid([&] { ChunkSpec(1).normalize({extent}); },
                 {"chunk size 1 for dimension 0 of extent 9000000000000000000",
                  "makes 9000000000000000000 chunks", "at most 16777216"});
  expect_invalid(
      [] {
        ChunkSpec({1, 2}).normalize({4, k2To(25) + 1});
      },
      {"dimension 1", "makes 16777217 chunks"});
  // At the limit: 2^24 chunks along one dimension are listed.
  EXPECT_EQ(ChunkSpec(2).normalize({k2To(25)})[0].size(), std::size_t(k2To(24)));
}

TEST_F(ShapeOverflow, HostArraysBeyondInt64AreRefusedBeforeAllocating) {
  expect_invalid(
      [] {
        NDArray({k2To(32), k2To(32)}, DType::float64);
      },
      {"(4294967296, 4294967296)"});
  expect_invalid(
      [] {
        NDArray({k2To(31), k2To(31)}, DType::float64);
      },
      {"(2147483648, 2147483648)", "float64"});
}

TEST_F(ShapeOverflow, ArangeWithMoreThanInt64ElementsIsRefused) {
  expect_invalid([] { arange(0, 1e30, 1, 1000); }, {"1e+30"});
}

TEST_F(ShapeOverflow, SliceStepsAtTheInt64LimitsSelectOnePosition) {
  // (stop - start + step - 1) / step overflowed: NumPy's arange(10)[::2**63 - 1] is [0], and
  // these were empty.
  constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
  Array x = arange(10, 4);
  EXPECT_EQ(values_of(x[Slice{.step = kInt64Max}].compute()), std::vector<double>{0});
  EXPECT_EQ(values_of(x[Slice{3, std::nullopt, kInt64Max}].compute()), std::vector<double>{3});
  EXPECT_EQ(values_of(x[Slice{.step = kInt64Min}].compute()), std::vector<double>{9});
  EXPECT_EQ(values_of(x[Slice{.step = kInt64Min + 1}].compute()), std::vector<double>{9});
  EXPECT_EQ(values_of(x[Slice{.step = k2To(62)}][Slice{.step = k2To(62)}].compute()),
            std::vector<double>{0});
  EXPECT_EQ(values_of(x[Slice{.step = -4}].compute()), (std::vector<double>{9, 5, 1}));
}

TEST_F(ShapeOverflow, ReprOfAnArrayOfTrillionsOfChunksDoesNotEnumerateThem) {
  // 2^21 x 2^20 chunks: counting tasks by building them allocated until the OOM killer came.
  Array x = zeros({k2To(30), k2To(29)}, {k2To(9), k2To(9)});
  std::ostringstream text;
  text << x;
  EXPECT_EQ(text.str(),
            "tessera.Array<zeros, shape=(1073741824, 536870912), dtype=float64, chunksize=(512, "
            "512), numblocks=(2097152, 1048576), tasks=uncounted (over 1000000 chunks)>");
  std::ostringstream summed;
  summed << x.sum();
  EXPECT_NE(summed.str().find("tasks=uncounted (over 1000000 chunks)"), std::string::npos)
      << summed.str();
  std::ostringstream small;  // an ordinary array still shows its count
  Array total = zeros({1000, 1000}, {1, 1000}).sum();
  small << total;
  EXPECT_NE(small.str().find("tasks=" + std::to_string(total.task_count()) + ">"),
            std::string::npos)
      << small.str();
}
