// A cluster's memory budgets and spilling, seen as a program sees them: persisted chunks and
// waiting results beyond the budget go to disk and come back bit for bit, the process-memory
// monitor spills when unmanaged memory fills the process, spills show as disk tasks, workers
// pause over their limit, and the spill directory goes away with the cluster. The block store
// and the monitor on their own: test_spill_policies.cpp.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "child_process.hpp"
#include "memory_probe.hpp"
#include "memory_totals.hpp"
#include "scratch_path.hpp"
#include "tessera/diagnostics/bus.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
namespace fs = std::filesystem;
using test_support::scratch;

namespace {

constexpr std::uint64_t MiB = 1 << 20;

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
  const test_support::MemoryTotals memory = test_support::memory_totals(*cluster.executor());
  EXPECT_LE(memory.stored, static_cast<std::uint64_t>(0.6 * 64 * MiB)) << "memory_target";
  EXPECT_GE(memory.spilled, 200 * MiB);
  const double total = p.sum().compute().item<double>();
  const long growth_mib = (test_support::peak_memory_kib() - before) / 1024;
  // The same values reduce in the same tree whether generated or read back.
  const double n = 4096.0 * 8192.0;
  EXPECT_NEAR(total, x.sum().compute().item<double>(), n * 1.2e-16 * total);
  EXPECT_NEAR(total / n, 0.5, 6 * std::sqrt(1.0 / 12 / n));
  if (measured && test_support::resident_size_is_meaningful) {
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
  const auto budget = static_cast<std::uint64_t>(0.6 * MiB);  // memory_target of the limit
  EXPECT_GE(test_support::memory_totals(*cluster.executor()).spilled, direct.nbytes() - budget);
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

TEST(MemoryMonitor, ClusterSpillsPersistedChunksWhenUnmanagedMemoryFillsTheProcess) {
  if (!test_support::resident_size_is_meaningful)
    GTEST_SKIP() << "resident size is not meaningful here";
  // One worker whose limit leaves room for the persisted 64 MiB under memory_target, so only the
  // process-memory threshold can make it spill: it does once 64 MiB more, which Tessera does not
  // manage, are in use.
  const std::uint64_t baseline = test_support::resident_bytes();
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
  auto spilled = [&] { return test_support::memory_totals(*cluster.executor()).spilled; };
  Array p = random::random({8192, 1024}, {1024, 1024}, 5).persist();  // 64 MiB in 8 chunks
  std::this_thread::sleep_for(std::chrono::milliseconds(400));        // four monitor rounds
  EXPECT_EQ(spilled(), 0u) << "resident memory is under the spill threshold";

  std::vector<char> unmanaged(64 * MiB);
  std::memset(unmanaged.data(), 1, unmanaged.size());  // resident now
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (spilled() < 24 * MiB && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  // Resident b + 128 MiB, over the threshold b + 112: spilled until under b + 100.
  EXPECT_GE(spilled(), 24 * MiB);
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

namespace {
// Two workers of 4 MiB, 4.8 MiB of it for stored chunks, with no process-memory monitor: an
// 8 MiB array persisted there spills by the budgets alone.
LocalCluster two_small_workers() {
  return LocalCluster({.n_workers = 2,
                       .threads_per_worker = 1,
                       .memory_limit = "4MiB",
                       .n_gpu_workers = 0,
                       .dashboard_address = "",
                       .memory_spill = 0});
}
}  // namespace

TEST(MemoryMonitor, WorkersReportTheirStoredAndSpilledBytes) {
  LocalCluster cluster = two_small_workers();
  Client client(cluster);
  Array p = random::random({1024, 1024}, {128, 1024}, 8).persist();  // 8 MiB in 1 MiB chunks
  std::uint64_t stored = 0, spilled = 0;
  for (const WorkerInfo& worker : cluster.executor()->workers()) {
    stored += worker.stored;
    spilled += worker.spilled;
  }
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
  LocalCluster cluster = two_small_workers();
  Client client(cluster);
  Array p = random::random({1024, 1024}, {128, 1024}, 8).persist();  // 8 x 1 MiB chunks
  const std::size_t spilled_chunks = test_support::memory_totals(*cluster.executor()).spilled / MiB;
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
// Spill files in the spill folders under `base` (beside them lie only the folders' lock files).
std::size_t spill_files_under(const fs::path& base) {
  std::size_t n = 0;
  if (fs::exists(base))
    for (const auto& entry : fs::recursive_directory_iterator(base))
      n += entry.is_regular_file() && entry.path().parent_path() != base;
  return n;
}
}  // namespace

// Issue 5: intermediate results count against the memory target and spill like persisted chunks.
TEST(IntermediateSpilling, ResultsWaitingForAConsumerSpillAndComeBackExactly) {
  const fs::path spill_base = scratch("tessera_intermediate_spill");
  LocalCluster cluster({.n_workers = 2,
                        .threads_per_worker = 1,
                        .memory_limit = "2MiB",  // target: 2.4 MiB over both workers
                        .n_gpu_workers = 0,
                        .dashboard_address = "",
                        .local_directory = spill_base.string(),
                        .memory_spill = 0});
  Client client(cluster);
  auto memory = [&] { return test_support::memory_totals(*cluster.executor()); };
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
  EXPECT_GE(memory().spilled_total, 8 * MiB) << "16 MiB waited under a 2.4 MiB target";
  // Released with the run: nothing left in the store or its folder.
  for (int i = 0; i < 200 && (memory().stored || memory().spilled); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(memory().stored, 0u);
  EXPECT_EQ(memory().spilled, 0u);
  EXPECT_EQ(spill_files_under(spill_base), 0u);
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
  EXPECT_GT(test_support::memory_totals(*cluster.executor()).spilled_total, 0u);
  const NDArray generated = (x + x.T()).sum({0}).compute();
  ASSERT_EQ(from_file.size(), 1024);
  EXPECT_EQ(std::memcmp(from_file.raw(), generated.raw(), generated.nbytes()), 0);
  fs::remove(file);
}
