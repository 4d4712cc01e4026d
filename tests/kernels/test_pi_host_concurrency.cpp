// Several scheduler-like worker threads counting at once (and racing to initialize Kokkos) get
// exactly the serial results. Run under ThreadSanitizer in CI.
#include <gtest/gtest.h>

#include <cstdint>
#include <thread>
#include <vector>

#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"
#include "tessera/kernels/pi_thread_work.hpp"

namespace tessera::kernels {
namespace {

struct Job {
  std::uint64_t seed, first, n;
};

TEST(PiHostConcurrency, FourThreadsMatchSerial) {
  constexpr int kThreads = 4;
  constexpr int kJobsPerThread = 6;
  std::vector<Job> jobs;
  for (int i = 0; i < kThreads * kJobsPerThread; ++i) {
    jobs.push_back({static_cast<std::uint64_t>(i % 3) * 0x100000001ull + 9,
                    static_cast<std::uint64_t>(i) * 1000003u,
                    (std::uint64_t{1} << 20) + 2 * i + 1});
  }
  std::vector<std::uint64_t> got(jobs.size(), 0);
  {
    std::vector<std::jthread> workers;
    for (int t = 0; t < kThreads; ++t) {
      workers.emplace_back([&, t] {
        for (int j = t; j < static_cast<int>(jobs.size()); j += kThreads) {
          got[j] = host::pi_hits({}, jobs[j].seed, jobs[j].first, jobs[j].n);
        }
      });
    }
  }
  for (std::size_t j = 0; j < jobs.size(); ++j) {
    EXPECT_EQ(got[j], host::pi_hits({}, jobs[j].seed, jobs[j].first, jobs[j].n)) << "job " << j;
  }
  // And the serial path itself against the block-at-a-time reference, on one job.
  EXPECT_EQ(got[3], count_pi_hits_scalar(jobs[3].seed, jobs[3].first, jobs[3].n));
}

}  // namespace
}  // namespace tessera::kernels
