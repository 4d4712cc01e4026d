// Buffers for received messages (receive_buffers.hpp): large ones come back for the next
// message, small ones do not, and nothing is kept beyond the cap or past the pool.

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "receive_buffers.hpp"

namespace tessera::detail {
namespace {

TEST(ReceiveBuffers, AFreedLargeBufferServesTheNextLargeMessage) {
  auto pool = std::make_shared<ReceiveBuffers>();
  const std::size_t size = 8 << 20;
  std::byte* first = nullptr;
  {
    auto buffer = pool->take(size);
    first = buffer.get();
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(first) % 64, 0u);
    EXPECT_EQ(pool->kept(), 0u);  // in use
  }
  EXPECT_EQ(pool->kept(), 1u);
  auto again = pool->take(size - 100);  // fits
  EXPECT_EQ(again.get(), first);
  EXPECT_EQ(pool->kept(), 0u);
}

TEST(ReceiveBuffers, SmallMessagesAndFarLargerBuffersAreNotReused) {
  auto pool = std::make_shared<ReceiveBuffers>();
  pool->take(ReceiveBuffers::kKeptFrom - 1).reset();
  EXPECT_EQ(pool->kept(), 0u);
  pool->take(64 << 20).reset();
  ASSERT_EQ(pool->kept(), 1u);
  auto small = pool->take(2 << 20);  // the 64 MB buffer is more than twice what it needs
  EXPECT_EQ(pool->kept(), 1u);
}

TEST(ReceiveBuffers, KeepsAtMostTheCapAndOutlivesNothing) {
  auto pool = std::make_shared<ReceiveBuffers>();
  std::vector<std::shared_ptr<std::byte>> held;
  for (std::size_t i = 0; i < ReceiveBuffers::kMaxKept + 3; ++i)
    held.push_back(pool->take(ReceiveBuffers::kKeptFrom));
  held.clear();
  EXPECT_EQ(pool->kept(), ReceiveBuffers::kMaxKept);
  // A buffer still held when the pool goes is freed by its last owner.
  auto late = pool->take(ReceiveBuffers::kKeptFrom);
  pool.reset();
  late.reset();
}

}  // namespace
}  // namespace tessera::detail
