// The dashboard's HTTP transport (and through it OpenSSL) is loaded only when a dashboard starts:
// a program that never starts one does not carry it (http_module.hpp says why).
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "http_module.hpp"
#include "tessera/tessera.hpp"

namespace {

// True if a file whose path contains `name` is mapped into this process.
bool mapped(const std::string& name) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line))
    if (line.find(name) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST(DashboardModule, LoadsOnlyWhenADashboardStarts) {
  // ctest runs every test in a process of its own; a whole-binary run may have loaded it already.
  if (mapped("libtessera_dashboard_http")) GTEST_SKIP() << "a dashboard started earlier here";
  {
    tessera::Client client(
        {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
    EXPECT_EQ(client.submit([] { return 7; }).result(), 7);
  }
  EXPECT_FALSE(mapped("libtessera_dashboard_http"));
  EXPECT_FALSE(mapped("libcpp-httplib"));
  EXPECT_FALSE(mapped("libssl"));

  tessera::LocalCluster cluster({.n_workers = 1,
                                 .threads_per_worker = 1,
                                 .n_gpu_workers = 0,
                                 .dashboard_address = "127.0.0.1:0"});
  EXPECT_FALSE(cluster.dashboard_link().empty());
  EXPECT_TRUE(mapped("libtessera_dashboard_http"));
  EXPECT_TRUE(mapped("libcpp-httplib"));
}

TEST(DashboardModule, AMissingModuleOnlyCostsTheDashboard) {
  // The module is looked for once per process: this needs a process that has not loaded it.
  if (mapped("libtessera_dashboard_http")) GTEST_SKIP() << "a dashboard started earlier here";
  // An explicit path is the only one tried; the cluster warns and works without a dashboard.
  setenv("TESSERA_DASHBOARD_MODULE", "/nonexistent/libtessera_dashboard_http.so", 1);
  const auto candidates = tessera::dashboard::http_module_candidates();
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0], "/nonexistent/libtessera_dashboard_http.so");
  tessera::LocalCluster cluster({.n_workers = 1,
                                 .threads_per_worker = 1,
                                 .n_gpu_workers = 0,
                                 .dashboard_address = "127.0.0.1:0"});
  unsetenv("TESSERA_DASHBOARD_MODULE");
  EXPECT_EQ(cluster.dashboard_link(), "");
  tessera::Client client(cluster);
  EXPECT_EQ(client.submit([] { return 7; }).result(), 7);
  EXPECT_FALSE(mapped("libcpp-httplib"));

  const auto defaults = tessera::dashboard::http_module_candidates();
  ASSERT_GE(defaults.size(), 2u);
  EXPECT_EQ(defaults.back(), "libtessera_dashboard_http.so");  // the loader's own search last
}
