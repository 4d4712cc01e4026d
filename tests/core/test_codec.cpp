// Values as bytes (codec.hpp, detail/value_codec.hpp): what crosses MPI ranks. Round trips of
// every built-in kind, array chunks without a copy on the receiving side, and errors for bytes
// that are no value and for types that cannot be encoded.

#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "host_device_memory.hpp"
#include "tessera/codec.hpp"
#include "tessera/detail/value_codec.hpp"
#include "tessera/device_array.hpp"
#include "tessera/value.hpp"

namespace {

struct Point {
  double x, y;
};
struct Opaque {
  std::map<int, int> m;  // no codec: std::map is not built in
};

}  // namespace

template <>
inline constexpr bool tessera::bitwise_codec<Point> = true;

namespace tessera {
namespace {

/// `value` encoded and decoded, through a 64-byte aligned buffer as a received message is.
Value round_trip(const Value& value) {
  std::vector<std::byte> bytes;
  detail::encode_value(value, bytes);
  auto buffer = detail::aligned_buffer(bytes.size());
  std::memcpy(buffer.get(), bytes.data(), bytes.size());
  return detail::decode_value(buffer.get(), bytes.size(), buffer);
}

template <class T>
T round_trip_as(T object) {
  return round_trip(Value(std::move(object))).get<T>();
}

TEST(Codec, BuiltInTypesRoundTripExactly) {
  EXPECT_EQ(round_trip_as(42), 42);
  EXPECT_EQ(round_trip_as(-0.0 + 1e-310), 1e-310);  // a subnormal: bits, not text
  EXPECT_EQ(round_trip_as(std::string("caf\xc3\xa9\0x", 7)), std::string("caf\xc3\xa9\0x", 7));
  EXPECT_EQ(round_trip_as(std::vector<double>{1.5, -2.25, 3}),
            (std::vector<double>{1.5, -2.25, 3}));
  EXPECT_EQ(round_trip_as(std::vector<std::string>{"a", "", "bc"}),
            (std::vector<std::string>{"a", "", "bc"}));
  EXPECT_EQ(round_trip_as(std::make_tuple(1, std::string("x"), 2.5)),
            std::make_tuple(1, std::string("x"), 2.5));
  EXPECT_EQ(round_trip_as(std::make_pair(std::int64_t{7}, true)),
            std::make_pair(std::int64_t{7}, true));
  EXPECT_EQ(round_trip_as(std::optional<int>()), std::optional<int>());
  EXPECT_EQ(round_trip_as(std::optional<int>(5)), std::optional<int>(5));
  EXPECT_EQ((round_trip_as(std::array<int, 3>{1, 2, 3})), (std::array<int, 3>{1, 2, 3}));
  const auto shared =
      round_trip_as(std::make_shared<const std::vector<int>>(std::vector<int>{4, 5}));
  ASSERT_NE(shared, nullptr);
  EXPECT_EQ(*shared, (std::vector<int>{4, 5}));
  EXPECT_EQ(round_trip_as(std::shared_ptr<int>()), nullptr);
}

TEST(Codec, OptInBitwiseStructs) {
  const Point p = round_trip_as(Point{1.25, -3});
  EXPECT_EQ(p.x, 1.25);
  EXPECT_EQ(p.y, -3);
}

TEST(Codec, ArrayChunksKeepShapeDtypeAndBitsAndPointIntoTheMessage) {
  NDArray a({3, 4}, DType::float32);
  for (int i = 0; i < 12; ++i) a.data<float>()[i] = static_cast<float>(i) / 3.0f;
  std::vector<std::byte> bytes;
  detail::encode_value(Value(a), bytes);
  auto buffer = detail::aligned_buffer(bytes.size());
  std::memcpy(buffer.get(), bytes.data(), bytes.size());
  const Value back = detail::decode_value(buffer.get(), bytes.size(), buffer);
  const NDArray& b = back.get<NDArray>();
  EXPECT_EQ(b.shape(), (Shape{3, 4}));
  EXPECT_EQ(b.dtype(), DType::float32);
  EXPECT_EQ(std::memcmp(a.raw(), b.raw(), a.nbytes()), 0);
  // No copy on the receiving side: the array's data is inside the received buffer.
  EXPECT_GE(static_cast<const std::byte*>(b.raw()), buffer.get());
  EXPECT_LE(static_cast<const std::byte*>(b.raw()) + b.nbytes(), buffer.get() + bytes.size());
}

TEST(Codec, DeviceChunksCrossAsHostChunksWithTheSameBits) {
  auto device = std::make_shared<test_support::HostDeviceMemory>();
  auto chunk = std::make_shared<DeviceArray>(device, Shape{5, 3}, DType::float64, 0);
  for (int i = 0; i < 15; ++i) static_cast<double*>(chunk->data())[i] = 1.0 / (i + 1);
  const Value back = round_trip(Value(chunk));
  ASSERT_NE(back.host_chunk(), nullptr) << "arrives as a host chunk, whatever the sender held";
  const NDArray& b = back.get<NDArray>();
  EXPECT_EQ(b.shape(), (Shape{5, 3}));
  EXPECT_EQ(b.dtype(), DType::float64);
  EXPECT_EQ(std::memcmp(b.raw(), chunk->data(), chunk->nbytes()), 0);
  // Large ones are sent from the host copy itself (borrowed), which the message keeps alive.
  auto big = std::make_shared<DeviceArray>(device, Shape{100000}, DType::float64, 0);
  std::memset(big->data(), 0x3f, big->nbytes());
  std::vector<std::byte> head;
  const detail::BorrowedBytes tail = detail::encode_value(Value(big), head, 64 * 1024);
  ASSERT_EQ(tail.size, big->nbytes());
  big.reset();  // the device chunk may go: the borrowed bytes are the host copy's
  EXPECT_EQ(std::to_integer<int>(tail.data[tail.size - 1]), 0x3f);
  // A copy that fails is the sender's error, named by the device.
  device->fail_copies = true;
  std::vector<std::byte> bytes;
  EXPECT_THROW(detail::encode_value(Value(chunk), bytes), std::runtime_error);
}

TEST(Codec, EmptyValuesAndNullChunks) {
  EXPECT_FALSE(round_trip(Value()).has_value());
  const Value null_chunk = round_trip(Value(Value::HostChunk()));
  ASSERT_NE(null_chunk.host_chunk(), nullptr);
  EXPECT_EQ(*null_chunk.host_chunk(), nullptr);
}

TEST(Codec, AChunkWithAHomeRankCrossesAsAHandleNamingIt) {
  struct Held final : StoredChunk {
    std::shared_ptr<NDArray> load() override {
      return std::make_shared<NDArray>(Shape{2}, DType::float64);
    }
    std::uint64_t nbytes() const noexcept override { return 16; }
    int home() const noexcept override { return 2; }
  };
  const Value back = round_trip(Value(std::make_shared<Held>()));
  const Value::Stored* handle = back.stored_chunk();
  ASSERT_NE(handle, nullptr);
  EXPECT_EQ((*handle)->home(), 2);
  EXPECT_EQ((*handle)->nbytes(), 16u);
  try {
    (*handle)->load();
    FAIL() << "a chunk held by another rank was loaded here";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("rank 2"), std::string::npos) << e.what();
  }
}

TEST(Codec, ATypeWithoutACodecIsNamedInTheError) {
  std::vector<std::byte> bytes;
  try {
    detail::encode_value(Value(Opaque{}), bytes);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("Opaque"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Codec"), std::string::npos) << e.what();
  }
}

TEST(Codec, TruncatedOrUnknownBytesAreRejected) {
  std::vector<std::byte> bytes;
  detail::encode_value(Value(std::vector<double>(10, 1.0)), bytes);
  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, bytes.size() / 2, bytes.size() - 1})
    EXPECT_THROW(detail::decode_value(bytes.data(), cut, nullptr), std::invalid_argument) << cut;
  std::vector<std::byte> unknown(8, std::byte{0x7f});
  EXPECT_THROW(detail::decode_value(unknown.data(), unknown.size(), nullptr),
               std::invalid_argument);
  NDArray a({1000}, DType::float64);
  bytes.clear();
  detail::encode_value(Value(a), bytes);
  EXPECT_THROW(detail::decode_value(bytes.data(), bytes.size() - 8, nullptr),
               std::invalid_argument);
}

}  // namespace
}  // namespace tessera
