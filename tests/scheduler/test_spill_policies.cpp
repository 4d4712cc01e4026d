// Spill files (LZ4 where it pays), per-worker accounting of stored and spilled bytes, and the
// process-memory monitor (Dask's `spill` threshold).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <thread>

#include "memory/block_store.hpp"
#include "memory/memory_monitor.hpp"
#include "scheduling/scheduler.hpp"
#include "scratch_path.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
using detail::MemoryMonitor;
using detail::process_resident_bytes;
namespace fs = std::filesystem;
using test_support::scratch;

namespace {

constexpr std::uint64_t MiB = 1 << 20;

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// Shadow memory and allocator quarantines make resident size move on its own.
constexpr bool resident_size_is_meaningful = false;
#else
constexpr bool resident_size_is_meaningful = true;
#endif

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
  if (resident_size_is_meaningful) {
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

TEST(MemoryMonitor, ClusterSpillsPersistedChunksWhenUnmanagedMemoryFillsTheProcess) {
  if (!resident_size_is_meaningful) GTEST_SKIP() << "resident size is not meaningful here";
  // One worker whose limit leaves room for the persisted 64 MiB under memory_target, so only the
  // process-memory threshold can make it spill: it does once 64 MiB more, which Tessera does not
  // manage, are in use.
  const std::uint64_t baseline = process_resident_bytes();
  const double limit = static_cast<double>(baseline + 160 * MiB);
  LocalCluster cluster({.n_workers = 1,
                        .threads_per_worker = 1,
                        .memory_limit = baseline + 160 * MiB,
                        .n_gpu_workers = 0,
                        .dashboard_address = "",
                        .local_directory = scratch("tessera_monitor_cluster").string(),
                        .memory_target = (baseline + 100 * MiB) / limit,
                        .memory_spill = (baseline + 112 * MiB) / limit});
  Client client(cluster);
  auto store = block_store_of(*cluster.executor());
  Array p = random::random({8192, 1024}, {1024, 1024}, 5).persist();  // 64 MiB in 8 chunks
  std::this_thread::sleep_for(std::chrono::milliseconds(400));        // four monitor rounds
  EXPECT_EQ(store->spilled_bytes(), 0u) << "resident memory is under the spill threshold";

  std::vector<char> unmanaged(64 * MiB);
  std::memset(unmanaged.data(), 1, unmanaged.size());  // resident now
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (store->spilled_bytes() < 24 * MiB && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Resident b + 128 MiB, over the threshold b + 112: spilled until under b + 100.
  EXPECT_GE(store->spilled_bytes(), 24 * MiB);
  const double n = 8192.0 * 1024.0;
  EXPECT_NEAR(p.mean().compute().item<double>(), 0.5, 6 * std::sqrt(1.0 / 12 / n));
  EXPECT_EQ(unmanaged[12345], 1);
}

TEST(MemoryMonitor, BadThresholdsAndCompressionNamesAreErrorsNamingThem) {
  auto expect_error = [](ClusterOptions options, const std::string& needle) {
    options.n_workers = 1;
    options.threads_per_worker = 1;
    options.n_gpu_workers = 0;
    options.dashboard_address = "";
    try {
      LocalCluster cluster(options);
      FAIL() << "no exception for " << needle;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  ClusterOptions spill;
  spill.memory_spill = 1.5;
  expect_error(spill, "memory_spill 1.5");
  ClusterOptions compression;
  compression.spill_compression = "gzip";
  expect_error(compression, "'gzip'");
}

TEST(MemoryMonitor, WorkersReportTheirStoredAndSpilledBytes) {
  LocalCluster cluster({.n_workers = 2,
                        .threads_per_worker = 1,
                        .memory_limit = "4MiB",
                        .n_gpu_workers = 0,
                        .dashboard_address = "",
                        .memory_spill = 0});
  Client client(cluster);
  Array p = random::random({1024, 1024}, {128, 1024}, 8).persist();  // 8 MiB in 1 MiB chunks
  auto store = block_store_of(*cluster.executor());
  std::uint64_t stored = 0, spilled = 0;
  for (const WorkerInfo& worker : cluster.executor()->workers()) {
    stored += worker.stored;
    spilled += worker.spilled;
  }
  EXPECT_EQ(stored, store->memory_bytes());
  EXPECT_EQ(spilled, store->spilled_bytes());
  EXPECT_EQ(stored + spilled, 8 * MiB);
  EXPECT_LE(stored, static_cast<std::uint64_t>(0.6 * 8 * MiB));
}

namespace {
struct DiskRecorder : diagnostics::Subscriber {
  std::mutex mutex;
  diagnostics::StringPool names;
  std::vector<diagnostics::TaskRecord> disk;
  void task_finished(const diagnostics::TaskRecord& t) override {
    if (t.group != "disk-write" && t.group != "disk-read") return;
    std::lock_guard lock(mutex);
    disk.push_back(diagnostics::keep(t, names));
  }
  std::size_t count(std::string_view group) {
    std::lock_guard lock(mutex);
    return std::count_if(disk.begin(), disk.end(), [&](const auto& t) { return t.group == group; });
  }
};
}  // namespace

// Issue 4: "transfers and spills marked" on the task stream. Spill-file writes and reads are
// published as Dask draws them: "disk-write" and "disk-read" records outside any computation.
TEST(SpillEvents, SpillsAndReadsBackArePublishedAsDiskTasks) {
  auto recorder = std::make_shared<DiskRecorder>();
  diagnostics::Subscription subscription(recorder);
  LocalCluster cluster({.n_workers = 2,
                        .threads_per_worker = 1,
                        .memory_limit = "4MiB",
                        .n_gpu_workers = 0,
                        .dashboard_address = "",
                        .memory_spill = 0});
  Client client(cluster);
  Array p = random::random({1024, 1024}, {128, 1024}, 8).persist();  // 8 x 1 MiB chunks
  auto store = block_store_of(*cluster.executor());
  const std::size_t spilled_chunks = store->spilled_bytes() / MiB;
  ASSERT_GE(spilled_chunks, 3u);
  EXPECT_EQ(recorder->count("disk-write"), spilled_chunks);
  EXPECT_EQ(recorder->count("disk-read"), 0u);
  const double n = 1024.0 * 1024.0;
  EXPECT_NEAR(p.mean().compute().item<double>(), 0.5, 6 * std::sqrt(1.0 / 12 / n));
  EXPECT_EQ(recorder->count("disk-read"), spilled_chunks) << "each spilled chunk read once";
  std::lock_guard lock(recorder->mutex);
  for (const auto& t : recorder->disk) {
    EXPECT_EQ(t.run, 0u);
    EXPECT_EQ(t.nbytes, MiB);
    EXPECT_LE(t.start, t.stop);
    EXPECT_TRUE(t.worker_name == "cpu-0" || t.worker_name == "cpu-1") << t.worker_name;
    EXPECT_EQ(t.cluster, cluster.name());
  }
}

namespace {
std::size_t spill_files_in(const std::string& directory) {
  std::size_t n = 0;
  if (fs::exists(directory))
    for ([[maybe_unused]] const auto& entry : fs::directory_iterator(directory)) ++n;
  return n;
}
}  // namespace

// Issue 5: intermediate results count against the memory target and spill like persisted chunks.
TEST(IntermediateSpilling, ResultsWaitingForAConsumerSpillAndComeBackExactly) {
  LocalCluster cluster({.n_workers = 2,
                        .threads_per_worker = 1,
                        .memory_limit = "2MiB",  // target: 2.4 MiB over both workers
                        .n_gpu_workers = 0,
                        .dashboard_address = "",
                        .memory_spill = 0});
  Client client(cluster);
  auto store = block_store_of(*cluster.executor());
  // Sixteen 1 MiB chunks (half returned as shared arrays, half by value) all wait for one sum.
  constexpr std::int64_t n = 131072;
  std::vector<Delayed<std::shared_ptr<NDArray>>> shared_parts;
  std::vector<Delayed<NDArray>> value_parts;
  for (int k = 0; k < 8; ++k) {
    shared_parts.push_back(delayed(
        [](int k) {
          auto a = std::make_shared<NDArray>(Shape{n}, DType::int64);
          for (std::int64_t i = 0; i < n; ++i) a->data<std::int64_t>()[i] = k * n + i;
          return a;
        },
        "make_shared_part")(k));
    value_parts.push_back(delayed(
        [](int k) {
          NDArray a(Shape{n}, DType::int64);
          for (std::int64_t i = 0; i < n; ++i) a.data<std::int64_t>()[i] = (8 + k) * n + i;
          return a;
        },
        "make_value_part")(k));
  }
  auto total = delayed(
      [](const std::vector<std::shared_ptr<NDArray>>& shared, const std::vector<NDArray>& values) {
        std::int64_t sum = 0;
        for (const auto& a : shared)
          for (std::int64_t i = 0; i < a->size(); ++i) sum += a->data<std::int64_t>()[i];
        for (const auto& a : values)
          for (std::int64_t i = 0; i < a.size(); ++i) sum += a.data<std::int64_t>()[i];
        return sum;
      },
      "sum_parts")(shared_parts, value_parts);
  const std::int64_t count = 16 * n;
  EXPECT_EQ(total.compute(), count * (count - 1) / 2) << "every element back, bit for bit";
  EXPECT_GE(store->spilled_bytes_total(), 8 * MiB) << "16 MiB waited under a 2.4 MiB target";
  // Released with the run: nothing left in the store or its folder.
  for (int i = 0; i < 200 && (store->memory_bytes() || store->spilled_bytes()); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(store->memory_bytes(), 0u);
  EXPECT_EQ(store->spilled_bytes(), 0u);
  EXPECT_EQ(spill_files_in(store->directory()), 0u);
}

TEST(IntermediateSpilling, TransposeOfAnArrayReadFromDiskSpillsItsWaitingChunks) {
  const fs::path file = scratch("tessera_transpose_source") += ".npy";
  auto x = random::random({1024, 1024}, {128, 128}, 21);  // 8 MiB in 64 chunks of 128 KiB
  {
    LocalCluster writer({.n_workers = 2, .n_gpu_workers = 0, .dashboard_address = ""});
    Client client(writer);
    to_npy(x, file.string());
  }
  LocalCluster cluster({.n_workers = 1,
                        .threads_per_worker = 1,
                        // Target: 230 KiB, less than two chunks. Output chunk (i, j) reads chunks
                        // (i, j) and (j, i), both stored before it runs: the store must spill.
                        .memory_limit = "384KiB",
                        .n_gpu_workers = 0,
                        .dashboard_address = "",
                        .memory_spill = 0});
  Client client(cluster);
  Array y = from_npy(file.string(), {128, 128});
  // Every read chunk waits for the output chunks at (i, j) and (j, i). Column sums tell the
  // chunks apart (a chunk coming back in another's place changes them), and the same graph over
  // the generated array adds the same values in the same order: equal bit for bit.
  const NDArray from_file = (y + y.T()).sum({0}).compute();
  EXPECT_GT(block_store_of(*cluster.executor())->spilled_bytes_total(), 0u);
  const NDArray generated = (x + x.T()).sum({0}).compute();
  ASSERT_EQ(from_file.size(), 1024);
  EXPECT_EQ(std::memcmp(from_file.raw(), generated.raw(), generated.nbytes()), 0);
  fs::remove(file);
}
