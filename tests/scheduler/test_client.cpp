#include <gtest/gtest.h>

#include <memory>
#include <regex>
#include <sstream>

#include "tessera/tessera.hpp"

using namespace tessera;

namespace {
int square(int x) {
  return x * x;
}
}  // namespace

TEST(Client, SubmitMapGather) {
  Client client(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  auto future = client.submit(square, 7);
  EXPECT_EQ(future.result(), 49);
  EXPECT_TRUE(future.done());
  EXPECT_EQ(future.status(), "finished");
  EXPECT_EQ(future.exception(), nullptr);

  auto futures = client.map(square, std::vector<int>{1, 2, 3, 4});
  EXPECT_EQ(client.gather(futures), (std::vector<int>{1, 4, 9, 16}));

  // A Delayed argument is a dependency of the submitted task.
  auto base = delayed([] { return 3; })();
  EXPECT_EQ(client.submit([](int x, int y) { return x + y; }, base, 4).result(), 7);
}

TEST(Client, FailedFutureCarriesTheError) {
  Client client(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  auto bad = client.submit(
      [](int x) -> int { throw std::invalid_argument("bad x=" + std::to_string(x)); }, 3);
  auto error = bad.exception();
  ASSERT_NE(error, nullptr);
  EXPECT_EQ(bad.status(), "error");
  try {
    bad.result();
    FAIL();
  } catch (const TaskError& e) {
    EXPECT_EQ(e.original_message(), "bad x=3");
    EXPECT_EQ(e.key(), bad.key());
    EXPECT_THROW(std::rethrow_exception(e.original()), std::invalid_argument);
  }
  auto futures = client.map(
      [](int x) {
        if (x == 2) throw std::runtime_error("two");
        return x;
      },
      std::vector<int>{1, 2, 3});
  EXPECT_THROW(client.gather(futures), TaskError);
  EXPECT_EQ(futures[0].result(), 1);
  EXPECT_EQ(futures[2].result(), 3);
}

TEST(Client, BecomesTheDefaultForComputeAndStepsBackOnClose) {
  LocalCluster first({.n_workers = 1,
                      .threads_per_worker = 1,
                      .n_gpu_workers = 0,
                      .dashboard_address = "",
                      .name = "first"});
  Client a(first);
  EXPECT_EQ(current_executor(), first.executor());
  {
    LocalCluster second(
        {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
    Client b(second);
    EXPECT_EQ(current_executor(), second.executor());
    b.close();
    EXPECT_EQ(current_executor(), first.executor());
  }
  a.close();
  a.close();
  EXPECT_EQ(a.status(), "closed");
  EXPECT_THROW(a.submit(square, 1), ClosedError);
  EXPECT_EQ(first.status(), "running");  // closing a client leaves the cluster running
}

TEST(Client, ShutdownClosesTheCluster) {
  LocalCluster cluster(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  Client client(cluster);
  client.shutdown();
  EXPECT_EQ(cluster.status(), "closed");
  client.shutdown();  // harmless twice
}

TEST(Client, PrintsTheInformationBlock) {
  LocalCluster cluster({.n_workers = 4,
                        .threads_per_worker = 2,
                        .memory_limit = "2GiB",
                        .n_gpu_workers = 0,
                        .name = "seedtest"});
  Client client(cluster);
  std::ostringstream c, k;
  c << cluster;
  k << client;
  for (const std::string& text : {c.str(), k.str()}) {
    EXPECT_NE(text.find("seedtest"), std::string::npos) << text;
    EXPECT_NE(text.find("workers=4"), std::string::npos) << text;
    EXPECT_NE(text.find("threads=8"), std::string::npos) << text;
    EXPECT_NE(text.find("memory=8.00 GiB"), std::string::npos) << text;
    EXPECT_NE(text.find("running"), std::string::npos) << text;
    const std::string link = cluster.dashboard_link().empty() ? "off" : cluster.dashboard_link();
    EXPECT_NE(text.find("Dashboard:      " + link + "\n"), std::string::npos) << text;
    EXPECT_NE(text.find("GPUs:"), std::string::npos) << text;
    // Where CUDA failed (here: a CUDA build on a machine without a driver) the block says why
    // there are no GPUs, rather than looking like a machine without any.
    const std::string cuda_error = detect_hardware().cuda_error;
    EXPECT_EQ(
        text.find("GPUs:           none (CUDA failed: " + cuda_error + ")\n") != std::string::npos,
        !cuda_error.empty())
        << text;
  }
  // 8787 unless something else holds it, then a free port (with a warning on stderr); no link
  // (and "Dashboard: off") in a build without the dashboard.
  if (!build_info().dashboard) {
    EXPECT_EQ(cluster.dashboard_link(), "");
  } else {
    EXPECT_TRUE(
        std::regex_match(cluster.dashboard_link(), std::regex(R"(http://127\.0\.0\.1:\d+/status)")))
        << cluster.dashboard_link();
  }
  cluster.close();
  std::ostringstream closed;
  closed << cluster;
  EXPECT_NE(closed.str().find("closed"), std::string::npos);
}

TEST(Client, ComputeWithoutAClientUsesADefaultCluster) {
  EXPECT_EQ(delayed(square)(9).compute(), 81);
}

TEST(LocalCluster, AMovedFromClusterReadsAsClosedAndRefusesUse) {
  LocalCluster original(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  LocalCluster moved = std::move(original);
  // NOLINTBEGIN(bugprone-use-after-move): what a moved-from cluster does is the point here
  EXPECT_EQ(original.status(), "closed");
  original.close();  // harmless
  EXPECT_THROW(original.name(), ClosedError);
  EXPECT_THROW(original.executor(), ClosedError);
  EXPECT_THROW(Client{original}, ClosedError);
  std::ostringstream printed;
  printed << original;
  EXPECT_NE(printed.str().find("moved from"), std::string::npos) << printed.str();
  // NOLINTEND(bugprone-use-after-move)
  EXPECT_EQ(moved.status(), "running");
  Client client(moved);
  EXPECT_EQ(delayed(square)(5).compute(), 25);
}

// A client shares the cluster's state, not the LocalCluster object it was made from: moving that
// object and destroying the original leaves the client computing and describing the cluster.
TEST(Client, KeepsWorkingAfterItsClusterIsMovedAndTheOriginalDestroyed) {
  auto original = std::make_unique<LocalCluster>(
      ClusterOptions{.n_workers = 1,
                     .threads_per_worker = 1,
                     .n_gpu_workers = 0,
                     .dashboard_address = build_info().dashboard ? "127.0.0.1:0" : ""});
  const std::string link = original->dashboard_link();
  EXPECT_EQ(link.empty(), !build_info().dashboard) << link;
  Client client(*original);
  LocalCluster moved = std::move(*original);
  original.reset();

  EXPECT_EQ(client.submit(square, 6).result(), 36);
  EXPECT_EQ(delayed(square)(7).compute(), 49);  // through the client, still the default
  EXPECT_EQ(client.cluster().dashboard_link(), link);
  EXPECT_EQ(client.cluster().name(), moved.name());
  EXPECT_EQ(client.cluster().status(), "running");
  moved.close();  // the cluster's owner still decides when it stops
  EXPECT_EQ(client.cluster().status(), "closed");
}
