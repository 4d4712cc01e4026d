#include <gtest/gtest.h>

#include "scheduling/placement.hpp"

using namespace tessera;
using namespace tessera::detail;

namespace {

// A worker as placement sees it: its backend, threads, and tasks queued and executing.
WorkerInfo load(Backend backend, int threads, std::size_t queued, std::size_t executing) {
  WorkerInfo worker{.backend = backend, .threads = threads};
  worker.queued = queued;
  worker.executing = executing;
  return worker;
}

}  // namespace

TEST(Placement, PrefersWhereTheInputsAreUnlessAnotherWorkerIdles) {
  std::vector<WorkerInfo> w{load(Backend::host, 2, 3, 2), load(Backend::host, 2, 0, 0)};
  EXPECT_EQ(choose_worker(BackendSet{Backend::host}, 0, w), 0);  // backlog 3 <= 2 per thread x 2
  w[0].queued = 5;
  EXPECT_EQ(choose_worker(BackendSet{Backend::host}, 0, w),
            1);  // backed up: move to the idle worker
  w[1].queued = 50;
  EXPECT_EQ(choose_worker(BackendSet{Backend::host}, 0, w), 0);  // nobody idles: stay, depth first
}

TEST(Placement, LeastLoadedPerThreadWithoutPreference) {
  std::vector<WorkerInfo> w{load(Backend::host, 1, 2, 1), load(Backend::host, 4, 6, 2)};
  EXPECT_EQ(choose_worker(BackendSet{Backend::host}, -1, w), 1);  // 8/4 = 2 < 3/1
}

TEST(Placement, RespectsBackends) {
  std::vector<WorkerInfo> w{load(Backend::host, 1, 0, 0), load(Backend::cuda, 2, 50, 2)};
  EXPECT_EQ(choose_worker(BackendSet{Backend::cuda}, 0, w), 1);
  EXPECT_EQ(choose_worker(BackendSet{Backend::host}, 1, w), 0);
  EXPECT_EQ(choose_worker(BackendSet{Backend::host, Backend::cuda}, -1, w), 0);
  std::vector<WorkerInfo> cpu_only{load(Backend::host, 1, 0, 0)};
  EXPECT_EQ(choose_worker(BackendSet{Backend::cuda}, 0, cpu_only), -1);
}
