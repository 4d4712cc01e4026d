// The chunk store core talks to: the in-memory store of executors without a memory policy, and
// persist() and compute() going through whatever store the current executor gives.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>
#include <stdexcept>

#include "host_device_memory.hpp"
#include "serial_executor.hpp"
#include "tessera/array.hpp"
#include "tessera/chunk_store.hpp"
#include "tessera/device_array.hpp"
#include "tessera/random.hpp"

using namespace tessera;

namespace {

std::shared_ptr<NDArray> counting(std::int64_t n) {
  auto a = std::make_shared<NDArray>(Shape{n}, DType::float64);
  for (std::int64_t i = 0; i < n; ++i) a->data<double>()[i] = static_cast<double>(i);
  return a;
}

// Hands every call to the in-memory store and counts the chunks it was given.
class CountingStore final : public ChunkStore {
 public:
  explicit CountingStore(std::uint64_t chunk_limit) : inner_(in_memory_chunk_store(chunk_limit)) {}
  std::shared_ptr<StoredChunk> put(std::shared_ptr<NDArray> chunk, int owner) override {
    ++puts;
    return inner_->put(std::move(chunk), owner);
  }
  std::shared_ptr<StoredChunk> put(std::shared_ptr<DeviceArray> chunk) override {
    ++puts;
    return inner_->put(std::move(chunk));
  }
  std::uint64_t make_device_room(int owner, std::uint64_t bytes) override {
    return inner_->make_device_room(owner, bytes);
  }
  std::uint64_t chunk_limit() const noexcept override { return inner_->chunk_limit(); }
  std::atomic<int> puts{0};

 private:
  std::shared_ptr<ChunkStore> inner_;
};

// A serial executor whose memory policy is a CountingStore.
class StoringSerialExecutor final : public Executor {
 public:
  explicit StoringSerialExecutor(std::uint64_t chunk_limit = 0)
      : store(std::make_shared<CountingStore>(chunk_limit)) {}
  std::shared_ptr<Computation> submit(Graph graph) override {
    return serial.submit(std::move(graph));
  }
  std::shared_ptr<ChunkStore> chunk_store() override { return store; }
  test_support::SerialExecutor serial;
  std::shared_ptr<CountingStore> store;
};

struct OnStoringExecutor : ::testing::Test {
  std::shared_ptr<StoringSerialExecutor> executor = std::make_shared<StoringSerialExecutor>();
  void SetUp() override { detail::push_executor(executor); }
  void TearDown() override { detail::remove_executor(executor.get()); }
};

}  // namespace

TEST(InMemoryChunkStore, KeepsHostChunksAsTheyAreForAsLongAsAHandleDoes) {
  auto store = in_memory_chunk_store();
  auto chunk = counting(1000);
  std::weak_ptr<NDArray> watch = chunk;
  std::shared_ptr<StoredChunk> stored = store->put(chunk, 0);
  chunk.reset();
  EXPECT_EQ(stored->nbytes(), 8000u);
  EXPECT_EQ(stored->load().get(), watch.lock().get()) << "no copy: the chunk itself";
  EXPECT_EQ(store->make_device_room(0, 1u << 30), 0u) << "no device budget: nothing to move";
  EXPECT_EQ(store->chunk_limit(), 0u);
  stored.reset();
  EXPECT_TRUE(watch.expired()) << "dropping the last handle releases the chunk";
}

TEST(InMemoryChunkStore, LoadsDeviceChunksIntoHostMemory) {
  auto memory = std::make_shared<test_support::HostDeviceMemory>();
  auto device = std::make_shared<DeviceArray>(memory, Shape{4}, DType::float64, 0);
  const double values[4] = {1.5, -2, 3, 4e300};
  std::memcpy(device->data(), values, sizeof values);
  auto stored = in_memory_chunk_store()->put(device);
  device.reset();
  EXPECT_EQ(memory->live(), 32u) << "left on its device until loaded";
  std::shared_ptr<NDArray> host = stored->load();
  ASSERT_EQ(host->shape(), Shape{4});
  EXPECT_EQ(std::memcmp(host->raw(), values, sizeof values), 0);
  stored.reset();
  EXPECT_EQ(memory->live(), 0u);
}

TEST(InMemoryChunkStore, RefusesNullChunks) {
  auto store = in_memory_chunk_store(4096);
  EXPECT_EQ(store->chunk_limit(), 4096u);
  EXPECT_THROW(store->put(std::shared_ptr<NDArray>(), 0), std::invalid_argument);
  EXPECT_THROW(store->put(std::shared_ptr<DeviceArray>()), std::invalid_argument);
}

TEST_F(OnStoringExecutor, PersistPutsEveryChunkIntoTheExecutorsStore) {
  const Array x = random::random({30, 40}, {10, 20}, 7);
  const NDArray direct = x.compute();
  const Array kept = x.persist();
  EXPECT_EQ(executor->store->puts.load(), 6) << "one put per chunk (3 x 2)";
  EXPECT_EQ(kept.task_count(), 0u) << "read from the store, not recomputed";
  const NDArray back = kept.compute();
  EXPECT_EQ(std::memcmp(back.raw(), direct.raw(), direct.nbytes()), 0);
  EXPECT_EQ(executor->store->puts.load(), 6) << "computing a persisted array stores nothing";
}

TEST(ChunkStoreLimit, ComputeRefusesChunksBeyondTheStoresLimit) {
  // 10 x 20 doubles: 1,600-byte chunks against a 1,000-byte limit.
  auto executor = std::make_shared<StoringSerialExecutor>(1000);
  detail::push_executor(executor);
  const Array x = random::random({30, 40}, {10, 20}, 7);
  try {
    (void)x.compute();
    ADD_FAILURE() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("1000"), std::string::npos) << e.what();
  }
  detail::remove_executor(executor.get());
}

// The serial executor has no memory policy of its own: Executor's default, chunks in memory
// with no limit, so persisting keeps the computed chunks themselves.
TEST_F(OnStoringExecutor, TheSerialExecutorKeepsPersistedChunksInMemory) {
  const auto serial = std::make_shared<test_support::SerialExecutor>();
  detail::push_executor(serial);
  EXPECT_EQ(serial->chunk_store()->chunk_limit(), 0u);
  const Array x = random::random({1000}, {100}, 3);
  const NDArray direct = x.compute();
  const NDArray back = x.persist().compute();
  EXPECT_EQ(std::memcmp(back.raw(), direct.raw(), direct.nbytes()), 0);
  EXPECT_EQ(executor->store->puts.load(), 0) << "the serial executor's store, not the outer one";
  detail::remove_executor(serial.get());
}
