// MPICluster under mpirun -np N (N = 1..4): every test runs on every rank, against one cluster
// made in main(). Results must be the same on every rank and bit-identical to a single-process
// run of the same graph, which each rank computes itself on a LocalCluster for comparison.

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <mpi.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "simulated_device.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/mpi_cluster.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

namespace {

ts::MPICluster* cluster = nullptr;
ts::Client* client = nullptr;  // the one client (closing a second one would disconnect both)
int this_rank = 0;             // read by tasks: which rank ran them

struct Particle {
  double x;
  std::int64_t id;
};
struct NoCodec {
  int x;
};

}  // namespace

template <>
inline constexpr bool tessera::bitwise_codec<Particle> = true;

namespace {

/// The same on every rank? Compares `bytes` with rank 0's.
bool same_on_every_rank(const void* data, std::size_t size) {
  std::vector<char> mine(static_cast<const char*>(data), static_cast<const char*>(data) + size);
  std::vector<char> root = mine;
  MPI_Bcast(root.data(), static_cast<int>(size), MPI_CHAR, 0, MPI_COMM_WORLD);
  int same = mine == root, all = 0;
  MPI_Allreduce(&same, &all, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
  return all == 1;
}

/// `make()` computed by a single-process cluster of one thread (the reference).
template <class F>
auto on_one_process(F&& make) {
  ts::LocalCluster local({.n_workers = 1, .threads_per_worker = 1, .dashboard_address = ""});
  ts::Client client(local);
  return make();
}

std::vector<std::uint64_t> bits(const ts::NDArray& array) {
  std::vector<std::uint64_t> out(array.size());
  for (std::int64_t i = 0; i < array.size(); ++i) {
    const double v = array.element_as_double(i);
    std::memcpy(&out[i], &v, sizeof v);
  }
  return out;
}

/// Each result has the reference's shape and bits.
void expect_same_bits(const std::vector<ts::NDArray>& got,
                      const std::vector<ts::NDArray>& expected) {
  ASSERT_EQ(got.size(), expected.size());
  for (std::size_t k = 0; k < got.size(); ++k) {
    EXPECT_EQ(got[k].shape(), expected[k].shape()) << k;
    EXPECT_EQ(bits(got[k]), bits(expected[k])) << "result " << k;
  }
}

TEST(MPICluster, ComputeRunsOnTheMPIExecutor) {
  EXPECT_EQ(ts::current_executor(), cluster->executor());
}

TEST(MPICluster, LogLinesNameTheRankTheSizeAndTheHost) {
  const char* quiet = std::getenv("TESSERA_LOG");
  const std::string saved = quiet ? quiet : "";
  unsetenv("TESSERA_LOG");
  testing::internal::CaptureStderr();
  ts::log_warning("hello");
  const std::string line = testing::internal::GetCapturedStderr();
  if (!saved.empty()) setenv("TESSERA_LOG", saved.c_str(), 1);
  char host[MPI_MAX_PROCESSOR_NAME];
  int length = 0;
  MPI_Get_processor_name(host, &length);
  EXPECT_EQ(line, fmt::format("tessera [{}/{} {}]: warning: hello\n", this_rank, cluster->size(),
                              std::string(host, length)));
}

TEST(MPICluster, DescribesEveryRanksWorkers) {
  const auto workers = cluster->executor()->workers();
  ASSERT_EQ(static_cast<int>(workers.size()), cluster->size());  // one worker per rank here
  std::ostringstream text;
  text << *cluster;
  for (int r = 0; r < cluster->size(); ++r) {
    EXPECT_EQ(workers[r].name, fmt::format("rank{}.cpu-0", r));
    EXPECT_NE(text.str().find(fmt::format("rank{}.cpu-0", r)), std::string::npos) << text.str();
  }
  EXPECT_NE(text.str().find(fmt::format("MPICluster(ranks={}", cluster->size())), std::string::npos)
      << text.str();
}

TEST(MPICluster, DelayedTasksRunOnTheirOwnerAndReachEveryRank) {
  auto where = ts::delayed([](int i) { return this_rank * 1000 + i; }, "where");
  std::vector<ts::Delayed<int>> tasks;
  for (int i = 0; i < 10; ++i) tasks.push_back(where(i));
  const std::vector<int> values = ts::compute(tasks);
  // Leaves go to ranks in turn, in graph order: task i on rank i % size.
  for (int i = 0; i < 10; ++i) EXPECT_EQ(values[i], (i % cluster->size()) * 1000 + i) << i;
}

TEST(MPICluster, ValuesCrossRanksIntoLaterTasks) {
  auto square = ts::delayed(
      [](int i) {
        return std::vector<double>{double(i), double(i) * i};
      },
      "square");
  auto total = ts::delayed(
      [](const std::vector<double>& a, const std::vector<double>& b, const std::vector<double>& c) {
        return a[1] + b[1] + c[1] + std::string("xyz").size();
      },
      "total");
  auto result = total(square(2), square(3), square(4));
  EXPECT_EQ(result.compute(), 4.0 + 9.0 + 16.0 + 3.0);
}

TEST(MPICluster, ArrayReductionsAreBitIdenticalToOneProcess) {
  auto make = [] {
    auto x = ts::random::random({600, 600}, {100, 100}, 42);
    auto y = x + x.T();
    return std::vector<ts::NDArray>{y.mean(0).compute(), y.sum().compute(),
                                    y.mean(0).std().compute(), y.var(1).compute(),
                                    (x * 2.0 - 1.0).max().compute()};
  };
  const auto expected = on_one_process(make);
  const auto got = make();
  expect_same_bits(got, expected);
  for (std::size_t k = 0; k < got.size(); ++k) {
    const auto b = bits(got[k]);
    EXPECT_TRUE(same_on_every_rank(b.data(), b.size() * sizeof(std::uint64_t))) << k;
  }
}

TEST(MPICluster, UnseededRandomArraysAreTheSameOnEveryRank) {
  const double s = ts::random::random({300, 300}, {100, 100}).sum().compute().item<double>();
  EXPECT_TRUE(same_on_every_rank(&s, sizeof s));
  EXPECT_GT(s, 0.4 * 90000);
}

TEST(MPICluster, TaskErrorIsTheSameOnEveryRankAndTheClusterStaysUsable) {
  auto fragile = ts::delayed(
      [](int i) {
        if (i == 3) throw std::invalid_argument("bad input 3");
        return i;
      },
      "fragile");
  auto add = ts::delayed([](int a, int b) { return a + b; }, "add");
  std::vector<ts::Delayed<int>> tasks;
  for (int i = 0; i < 6; ++i) tasks.push_back(add(fragile(i), fragile(i + 10)));
  try {
    ts::compute(tasks);
    ADD_FAILURE() << "no error";
  } catch (const ts::TaskError& e) {
    // fragile(3) is leaf 6 in graph order (two leaves per add), so it ran on rank 6 % size.
    EXPECT_EQ(e.worker(), fmt::format("rank{}.cpu-0", 6 % cluster->size()));
    EXPECT_EQ(e.original_message(), "bad input 3");
    const std::string text = e.what();
    EXPECT_TRUE(same_on_every_rank(text.data(), text.size())) << text;
  }
  EXPECT_EQ(add(fragile(1), fragile(2)).compute(), 3);
}

TEST(MPICluster, UserTypesWithACodecCrossRanks) {
  auto make = ts::delayed([](int i) { return Particle{i * 0.5, i}; }, "particle");
  auto sum =
      ts::delayed([](const Particle& a, const Particle& b) { return a.x + b.x + a.id + b.id; },
                  "sum_particles");
  EXPECT_EQ(sum(make(1), make(2)).compute(), 0.5 + 1.0 + 3);
}

TEST(MPICluster, ATypeWithoutACodecIsAClearErrorWhenItMustCrossRanks) {
  auto make = ts::delayed([] { return NoCodec{7}; }, "no_codec");
  if (cluster->size() == 1) {
    EXPECT_EQ(make().compute().x, 7);  // nothing crosses ranks
    return;
  }
  try {
    make().compute();
    ADD_FAILURE() << "no error";
  } catch (const ts::TaskError& e) {
    EXPECT_NE(std::string(e.what()).find("NoCodec"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("cannot cross ranks"), std::string::npos) << e.what();
  }
}

TEST(MPICluster, FuturesFromClientSubmitAndMap) {
  auto future = client->submit([](int a, int b) { return a * b; }, 6, 7);
  EXPECT_EQ(future.result(), 42);
  auto futures =
      client->map([](int i) { return this_rank * 100 + i; }, std::vector<int>{0, 1, 2, 3});
  const auto values = client->gather(futures);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(values[i], (i % cluster->size()) * 100 + i);
}

TEST(MPICluster, ManyRunsInARowWithManySmallTasks) {
  auto inc = ts::delayed([](int i) { return i + 1; }, "inc");
  auto add = ts::delayed([](int a, int b) { return a + b; }, "add");
  for (int run = 0; run < 20; ++run) {
    std::vector<ts::Delayed<int>> level;
    for (int i = 0; i < 64; ++i) level.push_back(inc(i + run));
    while (level.size() > 1) {  // a tree of sums across ranks
      std::vector<ts::Delayed<int>> next;
      for (std::size_t k = 0; k + 1 < level.size(); k += 2)
        next.push_back(add(level[k], level[k + 1]));
      level = std::move(next);
    }
    EXPECT_EQ(level[0].compute(), 64 * (run + 1) + 63 * 64 / 2) << run;
  }
}

TEST(MPICluster, PersistedChunksStayOnTheirRankAndFeedLaterComputes) {
  auto make = [] {
    auto x = ts::random::random({600, 600}, {100, 100}, 5);
    auto p = (x * 3.0 - 1.0).persist();
    // (p + p.T) reads chunk (i, j) and (j, i): held by different ranks, so chunks move.
    return std::vector<ts::NDArray>{(p + p.T()).sum().compute(), (p + p.T()).mean(0).compute(),
                                    p.max().compute(), p.compute()};
  };
  const auto expected = on_one_process(make);
  expect_same_bits(make(), expected);
}

TEST(MPICluster, PersistedChunksSpillUnderEachRanksMemoryLimit) {
  auto make = [] {
    auto x = ts::random::random({1000, 1000}, {100, 100}, 9);  // 8 MB in 80 kB chunks
    auto p = x.persist();
    return std::vector<ts::NDArray>{(p + p.T()).sum().compute(), p.mean(1).compute()};
  };
  const auto expected = on_one_process(make);
  // Each rank may hold 2 MB: the 8 MB persisted over the ranks must spill on every rank when
  // there are fewer than four of them.
  ts::MPICluster small({.n_workers = 1,
                        .threads_per_worker = 1,
                        .memory_limit = "2MB",
                        .n_gpu_workers = 0,
                        .dashboard_address = ""});
  ts::Client small_client(small);
  const auto got = make();
  for (std::size_t k = 0; k < got.size(); ++k)
    EXPECT_EQ(bits(got[k]), bits(expected[k])) << "result " << k;
  std::uint64_t spilled = 0;
  for (const ts::WorkerInfo& worker : small.executor()->workers()) spilled += worker.spilled_total;
  std::uint64_t everywhere = 0;
  MPI_Allreduce(&spilled, &everywhere, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
  EXPECT_GT(everywhere, 0u) << "nothing spilled under a 2 MB limit per rank";
  if (small.size() < 4) {
    EXPECT_GT(spilled, 0u) << "rank " << small.rank() << " did not spill";
  }
}

TEST(MPICluster, DeviceChunksCrossRanksThroughHostMemory) {
  // Every chunk runs on a device of its rank (a simulated one: its chunks are DeviceArrays in
  // "device" memory); results and partials that other ranks read leave the device (through the
  // store's device tier, or the codec for a bare device chunk) and cross as host chunks.
  ts::test_support::SimulatedDevice& device = ts::test_support::simulated_coherent_device();
  auto make = [] {
    auto x = ts::random::random({60, 60}, {20, 20}, 11);
    return std::vector<ts::NDArray>{(x * 2.0 + 1.0).compute(), (x + x.T()).sum(0).compute()};
  };
  const auto expected = on_one_process(make);
  const int before = device.evaluated.load();
  ts::MPIClusterOptions options;
  options.n_workers = 0;
  options.n_gpu_workers = 0;
  options.dashboard_address = "";
  options.backend_workers = {{.backend = device.backend, .threads = 1}};
  ts::MPICluster on_devices(options);
  ts::Client devices_client(on_devices);
  expect_same_bits(make(), expected);
  EXPECT_GT(device.evaluated.load(), before) << "no chunk ran on rank " << this_rank << "'s device";
}

/// A fresh directory, the same path on every rank (rank 0 makes it).
std::string shared_temp_dir() {
  char path[64] = "/tmp/tessera_mpi_XXXXXX";
  if (this_rank == 0 && !mkdtemp(path)) std::abort();
  MPI_Bcast(path, sizeof path, MPI_CHAR, 0, MPI_COMM_WORLD);
  return path;
}

TEST(MPICluster, ToNpyWritesOneFileThatEveryRankReadsBack) {
  const std::string dir = shared_temp_dir();
  auto make = [] { return ts::random::random({70, 50}, {20, 15}, 5) * 3.0 + 1.0; };
  const auto expected = on_one_process([&] { return make().compute(); });
  ts::to_npy(make(), dir + "/x.npy");
  // Written once, by rank 0, before any rank returns: each reads it whole right away.
  expect_same_bits({ts::from_npy(dir + "/x.npy", {20, 15}).compute()}, {expected});
  ts::to_npy(make().sum(), dir + "/s.npy");  // 0-d
  EXPECT_EQ(ts::from_npy(dir + "/s.npy", {}).compute().item<double>(),
            on_one_process([&] { return make().sum().compute().item<double>(); }));
  ts::to_npy_stack(dir + "/stack", make());
  expect_same_bits({ts::from_npy_stack(dir + "/stack").compute()}, {expected});
  // Persisted chunks spread over the ranks go to the writer too.
  auto p = make().persist();
  ts::to_npy(p, dir + "/p.npy");
  expect_same_bits({ts::from_npy(dir + "/p.npy", {20, 15}).compute()}, {expected});
  MPI_Barrier(MPI_COMM_WORLD);
  if (this_rank == 0) std::filesystem::remove_all(dir);
}

TEST(MPICluster, ToNpyErrorsReachEveryRank) {
  try {
    ts::to_npy(ts::random::random({10, 10}, {5, 5}, 1), "/nonexistent-dir/x.npy");
    ADD_FAILURE() << "no error";
  } catch (const ts::TaskError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/x.npy"), std::string::npos) << e.what();
    EXPECT_EQ(e.worker(), "rank0.cpu-0");
  }
}

/// One worker of one thread per rank, no GPU, no dashboard, the watchdog at `timeout` seconds.
ts::MPIClusterOptions watched_options(double timeout) {
  ts::MPIClusterOptions options;
  options.n_workers = 1;
  options.threads_per_worker = 1;
  options.n_gpu_workers = 0;
  options.dashboard_address = "";
  options.exchange_timeout = timeout;
  return options;
}

TEST(MPICluster, WatchdogNamesARankThatNeverStartsTheComputation) {
  if (cluster->size() == 1) GTEST_SKIP() << "needs another rank to wait for";
  ts::MPICluster strict(watched_options(0.5));
  ts::Client strict_client(strict);
  auto where = ts::delayed([](int i) { return this_rank * 1000 + i; }, "where");
  auto add = ts::delayed([](int a, int b) { return a + b; }, "add");
  if (strict.rank() != 0) {  // rank 0 owns `add` (after its first input) and never computes it
    try {
      add(where(0), where(1)).compute();
      ADD_FAILURE() << "no error while rank 0 never computed";
    } catch (const ts::TimeoutError& e) {
      const std::string text = e.what();
      EXPECT_NE(text.find(fmt::format("rank {} waited 0.5 s for task 'add-", strict.rank())),
                std::string::npos)
          << text;
      EXPECT_NE(text.find("from rank 0, which has not started computation #1"), std::string::npos)
          << text;
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);  // rank 0's exchange answers until every rank has its error
}

TEST(MPICluster, WatchdogNamesARankThatDoesNotAnswer) {
  if (cluster->size() == 1) GTEST_SKIP() << "needs another rank to wait for";
  // Every rank's process id, so that rank 0 can stop rank 1 (all ranks on one node, as in CI).
  int pid = static_cast<int>(getpid());
  std::vector<int> pids(cluster->size());
  MPI_Allgather(&pid, 1, MPI_INT, pids.data(), 1, MPI_INT, MPI_COMM_WORLD);
  ts::MPICluster strict(watched_options(0.5));
  ts::Client strict_client(strict);
  auto where = ts::delayed(
      [](int i) {
        if (this_rank == 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
        return this_rank * 1000 + i;
      },
      "where");
  auto add = ts::delayed([](int a, int b) { return a + b; }, "add");
  MPI_Barrier(MPI_COMM_WORLD);
  if (strict.rank() == 0) {
    kill(pids[1], SIGSTOP);  // rank 1 is alive but answers nothing, as a hung process
    try {
      add(where(0), where(1)).compute();
      ADD_FAILURE() << "no error while rank 1 was stopped";
    } catch (const ts::TimeoutError& e) {
      const std::string text = e.what();
      EXPECT_NE(text.find("rank 0 waited 0.5 s for task 'where-"), std::string::npos) << text;
      EXPECT_NE(text.find("from rank 1, which did not answer the watchdog within 0.5 s"),
                std::string::npos)
          << text;
    }
    kill(pids[1], SIGCONT);
  } else {
    // The others wait for `add` from rank 0, which fails: its TimeoutError reaches them (rank 1,
    // continued, may also find rank 0 finished without sending it: a TimeoutError too).
    EXPECT_THROW(add(where(0), where(1)).compute(), ts::TimeoutError);
  }
}

TEST(MPICluster, WatchdogLeavesALongTaskOnAnotherRankAlone) {
  if (cluster->size() == 1) GTEST_SKIP() << "needs another rank to wait for";
  // A second of silence before asking: on CI's two cores four ranks' threads may wait a few
  // hundred milliseconds for a core, and an answer slower than the timeout counts as none.
  ts::MPICluster strict(watched_options(1));
  ts::Client strict_client(strict);
  auto slow = ts::delayed(
      [](int i) {
        if (this_rank == 1) std::this_thread::sleep_for(std::chrono::milliseconds(3500));
        return i;
      },
      "slow");
  auto add = ts::delayed([](int a, int b) { return a + b; }, "add");
  // Rank 0 waits 3.5 s for rank 1's leaf, three watchdog timeouts: rank 1 answers "running"
  // each time (and rank 0 does so to the ranks waiting for `add`).
  EXPECT_EQ(add(slow(10), slow(20)).compute(), 30);
}

TEST(MPICluster, AStartThatFailsOnOneRankFailsOnEveryRank) {
  if (cluster->size() == 1) GTEST_SKIP() << "needs a rank that starts well";
  ts::MPIClusterOptions options = watched_options(60);
  options.n_gpu_workers.reset();
  // Rank 1 asks for a device it cannot see; the others for none.
  options.gpu_for_rank = [](const ts::RankPlace& place) { return place.rank == 1 ? 5 : -1; };
  try {
    ts::MPICluster broken(options);
    ADD_FAILURE() << "rank " << this_rank << " started a cluster that rank 1 could not";
  } catch (const std::invalid_argument& e) {  // rank 1's own error
    EXPECT_EQ(this_rank, 1);
    EXPECT_NE(std::string(e.what()).find("invalid device 5"), std::string::npos) << e.what();
  } catch (const std::runtime_error& e) {  // everyone else's: naming rank 1 and why
    EXPECT_NE(this_rank, 1);
    EXPECT_NE(std::string(e.what()).find("rank 1 could not start: invalid device 5"),
              std::string::npos)
        << e.what();
  }
  // No rank is left inside the constructor: the clusters after this one start as usual.
}

TEST(MPICluster, RankZeroHearsWhatEveryRanksWorkersDid) {
  auto where = ts::delayed([](int i) { return this_rank * 1000 + i; }, "where");
  std::vector<ts::Delayed<int>> tasks;
  for (int i = 0; i < 4 * cluster->size(); ++i) tasks.push_back(where(i));
  ts::compute(tasks);
  if (cluster->rank() != 0 || cluster->size() == 1) return;
  // Each other rank reports every half second: within a few seconds rank 0 sees its tasks.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  for (;;) {
    const auto workers = cluster->executor()->workers();
    bool all = true;
    for (const ts::WorkerInfo& w : workers) all &= w.finished >= 4;
    if (all) break;
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no report with the ranks' tasks";
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

/// The body of `url` fetched with curl ("" when it fails).
std::string http_get(const std::string& url) {
  std::string body;
  if (FILE* pipe = popen(("curl -s --max-time 10 '" + url + "'").c_str(), "r")) {
    char buffer[4096];
    for (std::size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) body.append(buffer, n);
    pclose(pipe);
  }
  return body;
}

TEST(MPICluster, RankZerosDashboardListsEveryRanksWorkersAndTasks) {
  ts::MPICluster watched({.n_workers = 1,
                          .threads_per_worker = 1,
                          .n_gpu_workers = 0,
                          .dashboard_address = "127.0.0.1:0"});
  EXPECT_EQ(watched.dashboard_link().empty(), watched.rank() != 0);
  ts::Client watched_client(watched);
  auto where = ts::delayed([](int i) { return this_rank * 1000 + i; }, "where");
  std::vector<ts::Delayed<int>> tasks;
  for (int i = 0; i < 4 * watched.size(); ++i) tasks.push_back(where(i));
  ts::compute(tasks);  // leaves in turn: four on every rank
  if (watched.rank() == 0) {
    std::string link = watched.dashboard_link();  // http://127.0.0.1:PORT/status
    const std::string api = link.substr(0, link.rfind('/')) + "/api/v1/";
    const std::string workers = http_get(api + "workers");
    for (int r = 0; r < watched.size(); ++r)
      EXPECT_NE(workers.find(fmt::format("\"rank{}.cpu-0\"", r)), std::string::npos)
          << "rank " << r << " missing from " << workers;
    // Each other rank sends its tasks with its next report (twice a second): every rank's
    // "where" tasks reach rank 0's task stream, on that rank's worker row.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    for (int r = 0; r < watched.size(); ++r) {
      const std::string row = fmt::format("\"worker_name\":\"rank{}.cpu-0\"", r);
      std::string stream;
      while ((stream = http_get(api + "tasks?limit=10000")).find(row) == std::string::npos &&
             std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      EXPECT_NE(stream.find(row), std::string::npos) << "no task of rank " << r << ": " << stream;
    }
  }
  MPI_Barrier(MPI_COMM_WORLD);  // every rank's workers stay up while rank 0 looks
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  ::testing::InitGoogleTest(&argc, argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &this_rank);
  // One rank reports; all must agree on the outcome (below). TESSERA_TEST_ALL_RANKS=1 lets every
  // rank print, to see what failed elsewhere.
  if (this_rank != 0 && !std::getenv("TESSERA_TEST_ALL_RANKS")) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int result = 0;
  {
    ts::MPICluster mpi(
        {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
    cluster = &mpi;
    ts::Client mpi_client(mpi);
    client = &mpi_client;
    result = RUN_ALL_TESTS();
  }
  int worst = 0;
  MPI_Allreduce(&result, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
  if (this_rank == 0 && worst != result) std::fprintf(stderr, "a test failed on another rank\n");
  MPI_Finalize();
  return worst;
}
