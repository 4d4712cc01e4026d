// Memory budgets and spilling: persisted chunks beyond the budget go to disk and come back
// bit for bit; the spill directory goes away with the cluster.
#include <gtest/gtest.h>

#include <signal.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>

#include <future>
#include <optional>
#include <thread>

#include "child_process.hpp"
#include "memory/block_store.hpp"
#include "memory_probe.hpp"
#include "scheduling/scheduler.hpp"
#include "scratch_path.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
namespace fs = std::filesystem;
using test_support::scratch;

namespace {

std::shared_ptr<NDArray> filled(std::int64_t n, double value) {
  auto a = std::make_shared<NDArray>(Shape{n}, DType::float64);
  for (std::int64_t i = 0; i < n; ++i) a->data<double>()[i] = value + i;
  return a;
}

// Spill folders in `base` (`folders`), or their lock files (spill_folder.hpp).
std::size_t spill_entries(const fs::path& base, bool folders) {
  std::size_t n = 0;
  if (fs::exists(base))
    for (const auto& entry : fs::directory_iterator(base))
      n += entry.path().filename().string().find("-spill") != std::string::npos &&
           entry.is_directory() == folders;
  return n;
}

}  // namespace

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

TEST(Spilling, PersistedArrayFourTimesTheLimitSumsCorrectlyWithinTheLimit) {
  // Two workers of 32 MiB: 64 MiB in all, 38 MiB of it (target 0.6) for persisted chunks.
  LocalCluster cluster({.n_workers = 2,
                        .threads_per_worker = 1,
                        .memory_limit = "32MiB",
                        .n_gpu_workers = 0,
                        .dashboard_address = "",
                        .local_directory = scratch("tessera_spill_test").string()});
  Client client(cluster);
  auto x = random::random({4096, 8192}, {512, 512}, 17);  // 256 MiB: 4x the cluster's limit
  bool measured = test_support::reset_peak_memory();
  const long before = test_support::peak_memory_kib();
  Array p = x.persist();
  EXPECT_LE(block_store_of(*cluster.executor())->memory_bytes(),
            block_store_of(*cluster.executor())->budget());
  EXPECT_GE(block_store_of(*cluster.executor())->spilled_bytes(), 200u << 20);
  const double total = p.sum().compute().item<double>();
  const long growth_mib = (test_support::peak_memory_kib() - before) / 1024;
  // The same values reduce in the same tree whether generated or read back.
  const double n = 4096.0 * 8192.0;
  EXPECT_NEAR(total, x.sum().compute().item<double>(), n * 1.2e-16 * total);
  EXPECT_NEAR(total / n, 0.5, 6 * std::sqrt(1.0 / 12 / n));
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  measured = false;  // shadow memory and quarantines make resident size meaningless here
#endif
  if (measured) {
    // Limit (64 MiB) plus slack for chunks in flight (2 MiB each, a few per thread) and the
    // allocator's retained pages: well under the 256 MiB the array takes.
    EXPECT_LT(growth_mib, 64 + 48) << "peak grew by " << growth_mib << " MiB";
  }
}

TEST(Spilling, SpilledChunksRoundTripBitForBit) {
  LocalCluster cluster({.n_workers = 1,
                        .threads_per_worker = 1,
                        .memory_limit = "1MiB",
                        .n_gpu_workers = 0,
                        .dashboard_address = ""});
  Client client(cluster);
  auto x = random::random({300, 500}, {64, 128}, 4) * 3.0 - 1.0;  // 1.2 MB: most chunks spill
  NDArray direct = x.compute();
  Array kept = x.persist();
  // persist() handed the chunks to the cluster's ChunkStore, its block store: all but what fits
  // its budget went to files, and come back through the same interface.
  auto store = block_store_of(*cluster.executor());
  EXPECT_GE(store->spilled_bytes(), direct.nbytes() - store->budget());
  NDArray back = kept.compute();
  ASSERT_EQ(back.nbytes(), direct.nbytes());
  EXPECT_EQ(std::memcmp(back.raw(), direct.raw(), direct.nbytes()), 0);
}

TEST(Spilling, SpillDirectoryIsRemovedOnCloseAndAfterAnException) {
  const fs::path base = scratch("tessera_spill_close");
  auto spill_dirs = [&] { return spill_entries(base, true); };
  auto lock_files = [&] { return spill_entries(base, false); };
  {
    LocalCluster cluster({.n_workers = 1,
                          .threads_per_worker = 1,
                          .memory_limit = "64kiB",
                          .n_gpu_workers = 0,
                          .dashboard_address = "",
                          .local_directory = base.string()});
    Client client(cluster);
    Array p = random::random({200, 200}, {50, 50}, 1).persist();
    EXPECT_EQ(spill_dirs(), 1u);
    EXPECT_EQ(lock_files(), 1u);
    cluster.close();
    EXPECT_EQ(spill_dirs(), 0u);
    EXPECT_EQ(lock_files(), 0u);
  }
  try {
    LocalCluster cluster({.n_workers = 1,
                          .threads_per_worker = 1,
                          .memory_limit = "64kiB",
                          .n_gpu_workers = 0,
                          .dashboard_address = "",
                          .local_directory = base.string()});
    Client client(cluster);
    Array p = random::random({200, 200}, {50, 50}, 1).persist();
    EXPECT_EQ(spill_dirs(), 1u);
    throw std::runtime_error("user code failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(spill_dirs(), 0u);
  EXPECT_EQ(lock_files(), 0u);
  fs::remove_all(base);
}

TEST(Spilling, AClusterRemovesTheSpillFoldersOfInterruptedRunsAtStartUp) {
  const fs::path base = scratch("tessera_spill_sweep");
  const ClusterOptions options{.n_workers = 1,
                               .threads_per_worker = 1,
                               .memory_limit = "64kiB",
                               .n_gpu_workers = 0,
                               .dashboard_address = "",
                               .local_directory = base.string()};
  // A run interrupted (SIGINT) while its chunks were spilled cannot remove its folder.
  const std::string child = test_support::run_in_child([&]() -> std::string {
    LocalCluster cluster(options);
    Client client(cluster);
    Array p = random::random({200, 200}, {50, 50}, 1).persist();
    ::raise(SIGINT);
    return "still running after SIGINT";
  });
  EXPECT_EQ(child, "killed by signal " + std::to_string(SIGINT));
  EXPECT_EQ(spill_entries(base, true), 1u);
  EXPECT_EQ(spill_entries(base, false), 1u);
  {
    LocalCluster cluster(options);  // the next cluster there removes it, lock file and all
    EXPECT_EQ(spill_entries(base, true), 0u);
    EXPECT_EQ(spill_entries(base, false), 0u);
  }
  fs::remove_all(base);
}

TEST(Spilling, ChunkLargerThanEveryLimitIsAClearError) {
  LocalCluster cluster({.n_workers = 2,
                        .threads_per_worker = 1,
                        .memory_limit = "1MiB",
                        .n_gpu_workers = 0,
                        .dashboard_address = ""});
  Client client(cluster);
  auto x = random::random({1000, 1000}, {1000, 1000}, 2);  // one 8 MB chunk
  try {
    (x + 1.0).compute();
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("8000000"), std::string::npos) << what;
    EXPECT_NE(what.find("1048576"), std::string::npos) << what;
    EXPECT_NE(what.find("(0, 0)"), std::string::npos) << what;
  }
  // Reductions never hold the chunk: they still run.
  EXPECT_NEAR(x.mean().compute().item<double>(), 0.5, 0.01);
  EXPECT_EQ((x + 1.0).sum().compute().item<double>() > 0, true);
  // The cluster is unharmed.
  EXPECT_EQ(random::random({10}, 5, 1).sum().compute().ndim(), 0);
}

TEST(Spilling, HundredGigabyteVirtualArrayReducesWithFlatMemory) {
  LocalCluster cluster({.n_workers = 2,
                        .threads_per_worker = 1,
                        .memory_limit = "16MiB",
                        .n_gpu_workers = 0,
                        .dashboard_address = ""});
  Client client(cluster);
  // 12.5e9 doubles: 100 GB if it were stored. Generated inside the reduction kernels instead, one
  // 800 MB-virtual chunk per task, so memory stays flat (and no chunk-size limit applies).
  auto x = random::random({125000, 100000}, {1000, 100000}, 9);
  EXPECT_EQ(x.nbytes(), 100'000'000'000);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  x = random::random({1000, 100000}, {1000, 100000}, 9);  // instrumented kernels: one chunk only
#endif
  const double n = static_cast<double>(x.size());
  const bool measured = test_support::reset_peak_memory();
  const long before = test_support::peak_memory_kib();
  EXPECT_NEAR(x.mean().compute().item<double>(), 0.5, 6 * std::sqrt(1.0 / 12 / n));
#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
  if (measured) {
    EXPECT_LT((test_support::peak_memory_kib() - before) / 1024, 16)
        << "reducing a generated array stores nothing";
  }
#endif
}

TEST(Spilling, PauseStopsNewTasksAndResumes) {
  // One worker with two threads and a 1 MiB limit: pause at 0.8 MiB. A requested result stays
  // with the worker until its future lets go (intermediate array chunks would go to the store
  // and spill instead), so `big` keeps the worker over its pause threshold.
  LocalCluster cluster({.n_workers = 1,
                        .threads_per_worker = 2,
                        .memory_limit = "1MiB",
                        .n_gpu_workers = 0,
                        .dashboard_address = ""});
  Client client(cluster);
  std::optional<Future<std::shared_ptr<NDArray>>> big =
      client.submit([] { return std::make_shared<NDArray>(Shape{125000}, DType::float64); });
  ASSERT_EQ(big->result()->size(), 125000);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<bool> blocker_running{false};
  auto blocker = client.submit([gate, &blocker_running] {
    blocker_running = true;
    gate.wait();
    return 1;
  });
  while (!blocker_running) std::this_thread::yield();
  auto later = client.submit([] { return 7; });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  auto executor = cluster.executor();
  EXPECT_TRUE(executor->workers().at(0).paused);
  EXPECT_FALSE(later.done()) << "a paused worker started a task";
  big.reset();                   // frees the held result, while `blocker` still runs
  EXPECT_EQ(later.result(), 7);  // resumed once the result was freed
  EXPECT_FALSE(executor->workers().at(0).paused);
  release.set_value();
  EXPECT_EQ(blocker.result(), 1);
}
