// Clusters under tight resource limits (ulimit -u, -v, -n; a cgroup's pids.max acts as -u does)
// fail with an error that says what was refused, leave nothing running, and work again once the
// limit is raised. Each check runs in a child process, whose limits it may lower for good.
#include <gtest/gtest.h>

#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <string>
#include <system_error>
#include <thread>

#include "child_process.hpp"
#include "process_resources.hpp"
#include "scratch_path.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
using test_support::run_in_child;
using test_support::status_field;

namespace {

ClusterOptions two_by_two() {
  return {.n_workers = 2, .threads_per_worker = 2, .n_gpu_workers = 0, .dashboard_address = ""};
}

// Lowers the soft limit only: the hard one stays, so the child may raise it again.
void set_soft_limit(int resource, rlim_t soft) {
  rlimit limit{};
  ::getrlimit(resource, &limit);
  limit.rlim_cur = soft;
  if (::setrlimit(resource, &limit) != 0) throw std::system_error(errno, std::generic_category());
}
void lift_soft_limit(int resource) {
  rlimit limit{};
  ::getrlimit(resource, &limit);
  set_soft_limit(resource, limit.rlim_max);
}

// "" when `start` throws std::system_error naming `what`, and leaves no thread of its own
// (a sanitizer's runtime may run one of its own from the start).
template <class Start>
std::string fails_clearly(Start&& start, const std::string& what) {
  const long threads_before = status_field("Threads");
  try {
    start();
    return "the cluster started under the limit";
  } catch (const std::system_error& e) {
    const std::string message = e.what();
    if (message.find("cannot start the cluster") == std::string::npos ||
        message.find(what) == std::string::npos)
      return "unclear error: " + message;
  }
  if (const long threads = status_field("Threads"); threads != threads_before)
    return std::to_string(threads - threads_before) +
           " threads left running after the failed start";
  return "";
}

// "" when a cluster starts and computes.
std::string works() {
  LocalCluster cluster(two_by_two());
  Client client(cluster);
  const int value = delayed([](int x) { return 2 * x; })(21).compute();
  return value == 42 ? "" : "computed " + std::to_string(value) + " after the limit was lifted";
}

}  // namespace

TEST(ResourceLimits, OverTheThreadLimitAClusterFailsClearlyAndLeavesNothingRunning) {
  const std::string report = run_in_child([]() -> std::string {
    // ThreadSanitizer starts a thread of its own with the first thread a program starts: have
    // it running before the limit, so that it counts as this process's own.
    std::thread([] {}).join();
    rlim_t allowed = 0;  // not root: the user runs this process already, so no thread may start
    if (::geteuid() == 0) {
      // The kernel never applies RLIMIT_NPROC to root, whatever its capabilities. A user of our
      // own runs nothing else, so it counts this process only: two more threads may start (the
      // memory monitor's and one worker's), and the third is refused, mid-start.
      if (::setuid(static_cast<uid_t>(2'000'000'000u + static_cast<unsigned>(::getpid()))) != 0)
        return std::string("skip: cannot change user: ") + std::strerror(errno);
      allowed = static_cast<rlim_t>(status_field("Threads")) + 2;
    }
    set_soft_limit(RLIMIT_NPROC, allowed);
    if (auto failure = fails_clearly([] { LocalCluster cluster(two_by_two()); }, "ulimit -u");
        !failure.empty())
      return failure;
    lift_soft_limit(RLIMIT_NPROC);
    return works();
  });
  if (report.starts_with("skip: ")) GTEST_SKIP() << report;
  EXPECT_EQ(report, "");
}

TEST(ResourceLimits, OverTheAddressSpaceLimitAClusterFailsClearly) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "the sanitizers reserve terabytes of address space";
#endif
  const std::string report = run_in_child([]() -> std::string {
    // Room for the cluster's own small allocations, none for a thread's stack (8 MiB unless
    // ulimit -s says otherwise; at least the 2 MiB glibc takes when it is unlimited).
    set_soft_limit(RLIMIT_AS, static_cast<rlim_t>(status_field("VmSize") + 1024) * 1024);
    if (auto failure = fails_clearly([] { LocalCluster cluster(two_by_two()); }, "ulimit -v");
        !failure.empty())
      return failure;
    lift_soft_limit(RLIMIT_AS);
    return works();
  });
  EXPECT_EQ(report, "");
}

TEST(ResourceLimits, OverTheOpenFileLimitSpillingFailsClearlyAndWorksOnceLifted) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan's vptr check probes memory through a pipe; with no descriptor left it cannot, and
  // reports every virtual call as made on an invalid object. The Release stage runs this test.
  GTEST_SKIP() << "UBSan's vptr check needs a free file descriptor";
#endif
  const std::filesystem::path base = test_support::scratch("tessera_nofile");
  const std::string report = run_in_child([&base]() -> std::string {
    LocalCluster cluster({.n_workers = 1,
                          .threads_per_worker = 1,
                          .memory_limit = "256kiB",
                          .n_gpu_workers = 0,
                          .dashboard_address = "",
                          .local_directory = base.string()});
    Client client(cluster);
    auto x = random::random({200, 200}, {50, 50}, 1);  // 320 kB: most chunks must spill
    set_soft_limit(RLIMIT_NOFILE, 0);                  // no new file at all
    try {
      x.persist();
      return "persisted without a file to spill to";
    } catch (const TaskError& e) {
      const std::string message = e.what();
      if (message.find("spill") == std::string::npos ||
          message.find(std::strerror(EMFILE)) == std::string::npos)
        return "unclear error: " + message;
    }
    lift_soft_limit(RLIMIT_NOFILE);
    const double total = x.persist().sum().compute().item<double>();
    const double expected = x.sum().compute().item<double>();
    // As in test_spilling: 40000 values in [0, 1), summed in different trees at worst.
    return std::abs(total - expected) <= 40000 * 1.2e-16 * total
               ? ""
               : "the sum after lifting the limit differs";
  });
  std::filesystem::remove_all(base);
  EXPECT_EQ(report, "");
}
