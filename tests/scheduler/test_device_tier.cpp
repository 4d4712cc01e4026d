// The block store's device tier on its own, on a host-backed stand-in for device memory, so it
// runs on machines without a GPU: chunks beyond a worker's device budget move to host memory (and
// on to disk beyond the host budgets), come back bit for bit, and free their device memory when
// dropped. Through a cluster: test_device_results.cpp; on a real GPU (label gpu):
// test_cluster_gpu.cpp.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>
#include <thread>

#include "device_chunks.hpp"
#include "memory/block_store.hpp"
#include "scratch_path.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
using namespace tessera::test_support;
namespace fs = std::filesystem;

namespace {

BlockStoreOptions device_store(std::uint64_t device_budget, std::uint64_t host_budget = 0,
                               std::string directory = "") {
  // Owner 0 a CPU worker, owner 1 a GPU worker with `device_budget` on its device.
  return BlockStoreOptions{.budget = host_budget,
                           .directory = std::move(directory),
                           .owners = 2,
                           .device_budgets = {0, device_budget}};
}

}  // namespace

TEST(DeviceTier, MovesTheOldestDeviceChunksToHostMemoryBeyondTheDeviceBudget) {
  auto memory = std::make_shared<HostDeviceMemory>();
  auto store = std::make_shared<BlockStore>(device_store(3 * MiB));
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 8; ++b) blocks.push_back(store->add(device_chunk(memory, 1, b)));
  EXPECT_EQ(store->device_bytes(1), 3 * MiB);
  EXPECT_EQ(store->device_bytes(), 3 * MiB);
  EXPECT_EQ(memory->live(), 3 * MiB) << "moved chunks free their device memory";
  EXPECT_EQ(store->memory_bytes(1), 5 * MiB);
  EXPECT_EQ(store->device_spilled_bytes_total(1), 5 * MiB);
  EXPECT_EQ(store->spilled_bytes(), 0u) << "no host budget: nothing goes to disk";
  for (int b = 0; b < 5; ++b) {  // oldest first
    EXPECT_EQ(blocks[b]->on_device(), nullptr) << b;
    EXPECT_TRUE(blocks[b]->in_memory()) << b;
  }
  for (int b = 5; b < 8; ++b) EXPECT_NE(blocks[b]->on_device(), nullptr) << b;
  for (int b = 0; b < 8; ++b) EXPECT_TRUE(holds(*blocks[b]->load(), b)) << b;
  EXPECT_EQ(store->device_bytes(1), 3 * MiB) << "a load from the device copies, moves nothing";
  blocks.clear();
  EXPECT_EQ(memory->live(), 0u);
  EXPECT_EQ(store->device_bytes(1), 0u);
  EXPECT_EQ(store->memory_bytes(1), 0u);
  EXPECT_EQ(store->device_spilled_bytes_total(1), 5 * MiB) << "a running total";
}

TEST(DeviceTier, DeviceToHostToDiskWithEveryChunkBackBitForBit) {
  const fs::path dir = scratch("tessera_device_tiers");
  auto memory = std::make_shared<HostDeviceMemory>();
  {
    auto store = std::make_shared<BlockStore>(device_store(2 * MiB, 3 * MiB, dir.string()));
    std::vector<std::shared_ptr<StoredBlock>> blocks;
    for (int b = 0; b < 8; ++b) blocks.push_back(store->add(device_chunk(memory, 1, b)));
    EXPECT_EQ(store->device_bytes(1), 2 * MiB);
    EXPECT_EQ(store->memory_bytes(), 3 * MiB);
    EXPECT_EQ(store->spilled_bytes(), 3 * MiB);
    EXPECT_EQ(store->spilled_bytes(1), 3 * MiB);
    EXPECT_FALSE(blocks[0]->in_memory());  // on disk: oldest first, down every tier
    EXPECT_TRUE(blocks[3]->in_memory());
    EXPECT_NE(blocks[7]->on_device(), nullptr);
    for (int b = 0; b < 8; ++b) EXPECT_TRUE(holds(*blocks[b]->load(), b)) << b;
    blocks.erase(blocks.begin(), blocks.begin() + 2);
    EXPECT_EQ(store->spilled_bytes(), MiB) << "dropped chunks take their files with them";
    EXPECT_TRUE(fs::exists(dir));
  }
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_EQ(memory->live(), 0u);
}

TEST(DeviceTier, AChunkLargerThanTheDeviceBudgetGoesStraightToHostMemory) {
  auto memory = std::make_shared<HostDeviceMemory>();
  auto store = std::make_shared<BlockStore>(device_store(MiB / 2));
  auto block = store->add(device_chunk(memory, 1, 4));
  EXPECT_EQ(block->on_device(), nullptr);
  EXPECT_TRUE(block->in_memory());
  EXPECT_EQ(store->device_bytes(1), 0u);
  EXPECT_EQ(store->memory_bytes(1), MiB);
  EXPECT_EQ(store->device_spilled_bytes_total(1), MiB);
  EXPECT_EQ(memory->live(), 0u);
  EXPECT_TRUE(holds(*block->load(), 4));
}

TEST(DeviceTier, WithoutADeviceBudgetChunksStayOnTheDevice) {
  auto memory = std::make_shared<HostDeviceMemory>();
  auto store = std::make_shared<BlockStore>(device_store(0));
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 4; ++b) blocks.push_back(store->add(device_chunk(memory, 1, b)));
  EXPECT_EQ(store->device_bytes(1), 4 * MiB);
  EXPECT_EQ(store->make_device_room(1, 100 * MiB), 0u);
  EXPECT_EQ(store->device_bytes(1), 4 * MiB);
}

TEST(DeviceTier, MakeDeviceRoomMovesJustEnoughForTheNextAllocation) {
  auto memory = std::make_shared<HostDeviceMemory>();
  auto store = std::make_shared<BlockStore>(device_store(3 * MiB));
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 3; ++b) blocks.push_back(store->add(device_chunk(memory, 1, b)));
  EXPECT_EQ(store->make_device_room(1, MiB), MiB);
  EXPECT_EQ(blocks[0]->on_device(), nullptr);
  EXPECT_NE(blocks[1]->on_device(), nullptr);
  EXPECT_EQ(store->make_device_room(1, MiB), 0u) << "already room";
  EXPECT_EQ(store->make_device_room(1, 10 * MiB), 2 * MiB) << "as much as there is";
  EXPECT_EQ(store->device_bytes(1), 0u);
  EXPECT_EQ(store->make_device_room(0, MiB), 0u) << "owner 0 has no device budget";
}

TEST(DeviceTier, AFailedCopyKeepsTheChunkOnTheDeviceAndAccounted) {
  auto memory = std::make_shared<HostDeviceMemory>();
  auto store = std::make_shared<BlockStore>(device_store(2 * MiB));
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 2; ++b) blocks.push_back(store->add(device_chunk(memory, 1, b)));
  memory->fail_copies = true;
  EXPECT_THROW(store->make_device_room(1, MiB), std::runtime_error);
  EXPECT_NE(blocks[0]->on_device(), nullptr);
  EXPECT_EQ(store->device_bytes(1), 2 * MiB);
  EXPECT_EQ(store->memory_bytes(1), 0u);
  memory->fail_copies = false;
  EXPECT_EQ(store->make_device_room(1, MiB), MiB) << "the same chunk moves once copies work";
  EXPECT_EQ(blocks[0]->on_device(), nullptr);
  EXPECT_TRUE(holds(*blocks[0]->load(), 0));
}

TEST(DeviceTier, EachWorkerSpillsAgainstItsOwnHostBudget) {
  const fs::path dir = scratch("tessera_owner_budgets");
  auto store = std::make_shared<BlockStore>(
      BlockStoreOptions{.directory = dir.string(), .owners = 2, .owner_budgets = {MiB, 4 * MiB}});
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 6; ++b) {
    auto chunk = std::make_shared<NDArray>(Shape{doubles_per_mib}, DType::float64);
    for (std::int64_t k = 0; k < doubles_per_mib; ++k) chunk->data<double>()[k] = pattern(b, k);
    blocks.push_back(store->add(chunk, b % 2));
  }
  // Worker 0 (1 MiB) keeps its newest chunk; worker 1 (4 MiB) keeps its three, although the
  // two together hold only 4 MiB: Dask's per-worker target, not a pooled one.
  EXPECT_EQ(store->memory_bytes(0), MiB);
  EXPECT_EQ(store->spilled_bytes(0), 2 * MiB);
  EXPECT_EQ(store->memory_bytes(1), 3 * MiB);
  EXPECT_EQ(store->spilled_bytes(1), 0u);
  EXPECT_FALSE(blocks[0]->in_memory());
  EXPECT_TRUE(blocks[1]->in_memory());
  EXPECT_TRUE(blocks[4]->in_memory());
  for (int b = 0; b < 6; ++b) EXPECT_TRUE(holds(*blocks[b]->load(), b)) << b;
}

TEST(DeviceTier, ConcurrentStoresLoadsMovesAndDropsKeepTheCountsExact) {
  const fs::path dir = scratch("tessera_device_concurrent");
  auto memory = std::make_shared<HostDeviceMemory>();
  auto store = std::make_shared<BlockStore>(device_store(3 * MiB, 4 * MiB, dir.string()));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::mt19937 random(t);
      std::vector<std::pair<int, std::shared_ptr<StoredBlock>>> mine;
      for (int i = 0; i < 12; ++i) {
        const int id = t * 100 + i;
        mine.emplace_back(id, store->add(device_chunk(memory, 1, id)));
        const auto& [seen, block] = mine[random() % mine.size()];
        if (!holds(*block->load(), seen)) wrong.fetch_add(1);
        if (random() % 3 == 0) store->make_device_room(1, MiB);
        if (random() % 4 == 0) mine.erase(mine.begin() + static_cast<long>(random() % mine.size()));
      }
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_LE(store->device_bytes(1), 3 * MiB);
  threads.clear();
  // Everything was dropped with the threads' lists: every count is back at zero.
  EXPECT_EQ(store->device_bytes(), 0u);
  EXPECT_EQ(store->memory_bytes(), 0u);
  EXPECT_EQ(store->spilled_bytes(), 0u);
  EXPECT_EQ(memory->live(), 0u);
}
