// The cluster's memory parts on their own: spill files (LZ4 where it pays), the block store's
// least-recently-stored spilling and per-worker accounting, and the process-memory monitor
// (Dask's `spill` threshold). The same through a cluster: test_spilling.cpp.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "memory/block_store.hpp"
#include "memory/memory_monitor.hpp"
#include "memory_probe.hpp"
#include "scratch_path.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
using detail::MemoryMonitor;
using detail::process_resident_bytes;
namespace fs = std::filesystem;
using test_support::scratch;

namespace {

constexpr std::uint64_t MiB = 1 << 20;

// 1 MiB chunks of three kinds: counting integers and zeros compress, uniform doubles do not.
std::shared_ptr<NDArray> counting(std::int64_t n) {
  auto a = std::make_shared<NDArray>(Shape{n}, DType::int64);
  for (std::int64_t i = 0; i < n; ++i) a->data<std::int64_t>()[i] = i / 7;
  return a;
}
std::shared_ptr<NDArray> uniform(std::int64_t n, std::uint64_t seed) {
  return std::make_shared<NDArray>(random::default_rng(seed).random({n}, {n}).compute());
}
std::shared_ptr<NDArray> zeros_chunk(std::int64_t n) {
  auto a = std::make_shared<NDArray>(Shape{n}, DType::float64);
  std::memset(a->raw(), 0, a->nbytes());
  return a;
}

std::shared_ptr<NDArray> filled(std::int64_t n, double value) {
  auto a = std::make_shared<NDArray>(Shape{n}, DType::float64);
  for (std::int64_t i = 0; i < n; ++i) a->data<double>()[i] = value + i;
  return a;
}

bool same_bytes(const NDArray& a, const NDArray& b) {
  return a.nbytes() == b.nbytes() && a.dtype() == b.dtype() && a.shape() == b.shape() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

std::size_t files_with_extension(const fs::path& dir, const std::string& ext) {
  std::size_t n = 0;
  for (const auto& entry : fs::directory_iterator(dir)) n += entry.path().extension() == ext;
  return n;
}

}  // namespace

TEST(SpillCompression, ParsesDasksNamesAndRejectsOthersByName) {
  EXPECT_EQ(parse_spill_compression("auto"), SpillCompression::automatic);
  if (build_info().lz4) {
    EXPECT_EQ(parse_spill_compression("lz4"), SpillCompression::lz4);
  } else {
    try {
      parse_spill_compression("lz4");
      ADD_FAILURE() << "\"lz4\" accepted by a build without LZ4";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("TESSERA_WITH_LZ4=OFF"), std::string::npos) << e.what();
    }
  }
  EXPECT_EQ(parse_spill_compression("none"), SpillCompression::none);
  EXPECT_EQ(parse_spill_compression("false"), SpillCompression::none);
  try {
    parse_spill_compression("zip");
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("'zip'"), std::string::npos) << e.what();
  }
}

TEST(SpillCompression, AutoCompressesWhatShrinksAndMapsWhatDoesNot) {
  if (!build_info().lz4)
    GTEST_SKIP() << "built without LZ4 (AutoWritesRawFilesWithoutLz4 covers it)";
  const fs::path dir = scratch("tessera_lz4_auto");
  const std::int64_t n = 131072;  // 1 MiB of 8-byte values
  {
    auto store = std::make_shared<BlockStore>(BlockStoreOptions{1, dir.string()});  // spill all
    auto a = counting(n), z = zeros_chunk(n), u = uniform(n, 3);
    auto sa = store->add(a), sz = store->add(z), su = store->add(u);
    ASSERT_FALSE(sa->in_memory());
    ASSERT_FALSE(sz->in_memory());
    ASSERT_FALSE(su->in_memory());
    EXPECT_TRUE(sa->compressed());
    EXPECT_TRUE(sz->compressed());
    EXPECT_FALSE(su->compressed()) << "uniform doubles do not shrink: kept raw, mapped on load";
    EXPECT_EQ(files_with_extension(dir, ".lz4"), 2u);
    EXPECT_EQ(files_with_extension(dir, ".npy"), 1u);
    EXPECT_EQ(store->spilled_bytes(), 3 * MiB);
    // Zeros and counting integers shrink far below a fifth; the raw file is the chunk plus a
    // 128-byte header at most.
    EXPECT_LT(store->spilled_file_bytes(), MiB + 128 + 2 * MiB / 5);
    EXPECT_TRUE(same_bytes(*sa->load(), *a));
    EXPECT_TRUE(same_bytes(*sz->load(), *z));
    EXPECT_TRUE(same_bytes(*su->load(), *u));
  }
  EXPECT_FALSE(fs::exists(dir));
}

// Without LZ4, "auto" spills every chunk as a raw file, read back by mapping it.
TEST(SpillCompression, AutoWritesRawFilesWithoutLz4) {
  if (build_info().lz4) GTEST_SKIP() << "built with LZ4 (AutoCompressesWhatShrinks covers it)";
  const fs::path dir = scratch("tessera_raw_auto");
  const std::int64_t n = 131072;
  {
    auto store = std::make_shared<BlockStore>(BlockStoreOptions{1, dir.string()});  // spill all
    auto a = counting(n), z = zeros_chunk(n), u = uniform(n, 3);
    auto sa = store->add(a), sz = store->add(z), su = store->add(u);
    for (const auto& block : {sa, sz, su}) {
      ASSERT_FALSE(block->in_memory());
      EXPECT_FALSE(block->compressed());
    }
    EXPECT_EQ(files_with_extension(dir, ".lz4"), 0u);
    EXPECT_EQ(files_with_extension(dir, ".npy"), 3u);
    EXPECT_EQ(store->spilled_bytes(), 3 * MiB);
    EXPECT_TRUE(same_bytes(*sa->load(), *a));
    EXPECT_TRUE(same_bytes(*sz->load(), *z));
    EXPECT_TRUE(same_bytes(*su->load(), *u));
  }
  EXPECT_FALSE(fs::exists(dir));
}

TEST(SpillCompression, NoneWritesRawFilesAndLz4CompressesWhatShrinks) {
  const std::int64_t n = 131072;
  std::vector<SpillCompression> modes = {SpillCompression::none};
  if (build_info().lz4) modes.push_back(SpillCompression::lz4);
  for (auto mode : modes) {
    const fs::path dir = scratch("tessera_lz4_mode");
    auto store = std::make_shared<BlockStore>(BlockStoreOptions{1, dir.string(), 0, mode});
    auto z = zeros_chunk(n);
    auto block = store->add(z);
    ASSERT_FALSE(block->in_memory());
    EXPECT_EQ(block->compressed(), mode == SpillCompression::lz4);
    EXPECT_TRUE(same_bytes(*block->load(), *z));
  }
}

TEST(SpillCompression, ACorruptedFileIsAnErrorNamingIt) {
  if (!build_info().lz4) GTEST_SKIP() << "built without LZ4: no compressed files";
  const fs::path dir = scratch("tessera_lz4_corrupt");
  auto store = std::make_shared<BlockStore>(BlockStoreOptions{1, dir.string()});
  auto block = store->add(zeros_chunk(131072));
  ASSERT_TRUE(block->compressed());
  const fs::path file = *fs::directory_iterator(dir);
  fs::resize_file(file, fs::file_size(file) / 2);
  try {
    block->load();
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(file.string()), std::string::npos) << e.what();
  }
}

TEST(BlockStore, SpillsLeastRecentlyStoredBeyondTheBudget) {
  const fs::path dir = scratch("tessera_store");
  const std::int64_t n = 131072;  // 1 MiB of doubles per block
  {
    auto store = std::make_shared<BlockStore>(3 * 1048576 + 1, dir.string());
    std::vector<std::shared_ptr<StoredBlock>> blocks;
    for (int b = 0; b < 10; ++b) blocks.push_back(store->add(filled(n, b * 1e6)));
    EXPECT_LE(store->memory_bytes(), store->budget());
    EXPECT_EQ(store->memory_bytes(), 3u * 1048576);
    EXPECT_EQ(store->spilled_bytes(), 7u * 1048576);
    EXPECT_FALSE(blocks[0]->in_memory());  // oldest first
    EXPECT_TRUE(blocks[9]->in_memory());
    for (int b = 0; b < 10; ++b) {
      auto loaded = blocks[b]->load();
      auto expected = filled(n, b * 1e6);
      ASSERT_EQ(std::memcmp(loaded->raw(), expected->raw(), expected->nbytes()), 0) << b;
    }
    blocks.erase(blocks.begin(),
                 blocks.begin() + 5);  // dropping blocks frees their bytes and files
    EXPECT_EQ(store->spilled_bytes(), 2u * 1048576);
    EXPECT_TRUE(fs::exists(dir));
  }
  EXPECT_FALSE(fs::exists(dir)) << "the store removes its spill directory";
}

TEST(BlockStore, CountsStoredAndSpilledBytesPerOwner) {
  const fs::path dir = scratch("tessera_store_owners");
  const std::int64_t n = 131072;
  auto store = std::make_shared<BlockStore>(BlockStoreOptions{3 * MiB, dir.string(), 2});
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 6; ++b) blocks.push_back(store->add(uniform(n, b), b % 2));
  blocks.push_back(store->add(uniform(n, 9), -1));  // no owner: in the totals only
  // Oldest first: blocks 0..3 spilled (owners 0, 1, 0, 1), 4..6 in memory (0, 1, none).
  EXPECT_EQ(store->memory_bytes(0), MiB);
  EXPECT_EQ(store->memory_bytes(1), MiB);
  EXPECT_EQ(store->spilled_bytes(0), 2 * MiB);
  EXPECT_EQ(store->spilled_bytes(1), 2 * MiB);
  EXPECT_EQ(store->memory_bytes(), 3 * MiB);
  EXPECT_EQ(store->spilled_bytes(), 4 * MiB);
  EXPECT_EQ(store->memory_bytes(7), 0u);             // unknown owners read as nothing
  blocks.erase(blocks.begin(), blocks.begin() + 2);  // drops spilled chunks of owners 0 and 1
  EXPECT_EQ(store->spilled_bytes(0), MiB);
  EXPECT_EQ(store->spilled_bytes(1), MiB);
  EXPECT_EQ(store->spilled_bytes_total(0), 2 * MiB) << "the running total never goes down";
  EXPECT_EQ(store->spilled_bytes_total(), 4 * MiB);
}

TEST(BlockStore, SpillWhileStopsWhenAskedOrWhenNothingIsLeft) {
  const fs::path dir = scratch("tessera_store_spill_while");
  auto store = std::make_shared<BlockStore>(BlockStoreOptions{0, dir.string()});
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 4; ++b) blocks.push_back(store->add(uniform(131072, b)));
  EXPECT_EQ(store->spilled_bytes(), 0u) << "budget 0: no managed spilling";
  EXPECT_EQ(store->spill_while([&] { return store->memory_bytes() > 2 * MiB; }), 2 * MiB);
  EXPECT_FALSE(blocks[1]->in_memory());
  EXPECT_TRUE(blocks[2]->in_memory());
  EXPECT_EQ(store->spill_while([] { return true; }), 2 * MiB);
  EXPECT_EQ(store->memory_bytes(), 0u);
}

TEST(MemoryMonitor, SpillsUntilResidentMemoryIsBackUnderTheTarget) {
  // The chunks are computed on a cluster of its own, started before the baseline is read: the
  // default cluster would start (on a GPU machine with a CUDA context, tens of MiB) after it.
  Client client(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  uniform(1, 0);
  const fs::path dir = scratch("tessera_monitor");
  auto store = std::make_shared<BlockStore>(BlockStoreOptions{0, dir.string()});
  const std::uint64_t baseline = process_resident_bytes();
  ASSERT_GT(baseline, 0u);
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 16; ++b) blocks.push_back(store->add(uniform(524288, b)));  // 4 MiB each
  // 64 MiB stored. Spill above baseline + 48 MiB down to baseline + 24 MiB: about 40 MiB go.
  MemoryMonitor monitor(store, baseline + 48 * MiB, baseline + 24 * MiB,
                        std::chrono::hours(1));  // checks only when asked
  const std::uint64_t spilled = monitor.check();
  EXPECT_GE(spilled, 40 * MiB);
  EXPECT_EQ(spilled, store->spilled_bytes());
  EXPECT_FALSE(blocks.front()->in_memory()) << "least recently stored first";
  if (test_support::resident_size_is_meaningful) {
    EXPECT_LE(process_resident_bytes(), baseline + 24 * MiB + 4 * MiB);
    EXPECT_LE(spilled, 48 * MiB) << "it stops once under the target";
    EXPECT_EQ(monitor.check(), 0u) << "under the spill threshold now";
  }
  for (int b = 0; b < 16; ++b)
    EXPECT_TRUE(same_bytes(*blocks[b]->load(), *uniform(524288, b))) << b;
}

TEST(MemoryMonitor, ItsThreadSpillsWithoutBeingAsked) {
  const fs::path dir = scratch("tessera_monitor_thread");
  auto store = std::make_shared<BlockStore>(BlockStoreOptions{0, dir.string()});
  MemoryMonitor monitor(store, 1, 1, std::chrono::milliseconds(5));  // always over
  std::vector<std::shared_ptr<StoredBlock>> blocks;
  for (int b = 0; b < 8; ++b) blocks.push_back(store->add(uniform(131072, b)));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store->spilled_bytes() < 8 * MiB && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(store->spilled_bytes(), 8 * MiB);
  for (int b = 0; b < 8; ++b) EXPECT_TRUE(same_bytes(*blocks[b]->load(), *uniform(131072, b)));
}
