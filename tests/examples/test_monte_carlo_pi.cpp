#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "monte_carlo_pi.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;

TEST(MonteCarloPi, HitCountDependsOnSeedAndSamplesOnly) {
  LocalCluster one(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  LocalCluster two(
      {.n_workers = 2, .threads_per_worker = 2, .n_gpu_workers = 0, .dashboard_address = ""});
  const std::uint64_t samples = 3'000'017;  // odd on purpose: chunks end mid-Philox-block
  PiResult reference = monte_carlo_pi(
      {.samples = samples, .chunks = 1, .device = PiDevice::cpu, .seed = 7}, *one.executor());
  for (std::uint64_t chunks : {2ull, 3ull, 17ull, 1000ull}) {
    PiResult r =
        monte_carlo_pi({.samples = samples, .chunks = chunks, .device = PiDevice::cpu, .seed = 7},
                       *two.executor());
    EXPECT_EQ(r.hits, reference.hits) << chunks << " chunks";
    EXPECT_EQ(r.chunks, chunks);
  }
  PiResult other_seed =
      monte_carlo_pi({.samples = samples, .chunks = 4, .seed = 8}, *two.executor());
  EXPECT_NE(other_seed.hits, reference.hits);
}

TEST(MonteCarloPi, EstimateWithinTheBinomialBound) {
  LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  // hits ~ Binomial(n, p = pi/4): sd(4 hits / n) = 4 sqrt(p (1 - p) / n). Six sd: a false failure
  // has probability ~2e-9 for a fixed seed drawn at random.
  const std::uint64_t n = 20'000'000;
  const double p = std::numbers::pi / 4;
  const double bound = 6 * 4 * std::sqrt(p * (1 - p) / n);
  for (std::uint64_t seed : {0ull, 1ull, 0x123456789abcdefull}) {
    PiResult r = monte_carlo_pi({.samples = n, .seed = seed}, *cluster.executor());
    EXPECT_LT(r.abs_error, bound) << "seed " << seed << " pi " << r.pi;
    EXPECT_EQ(r.samples, n);
    EXPECT_EQ(r.device, "cpu");
    EXPECT_EQ(r.workers, 2);
    EXPECT_GT(r.samples_per_second, 0);
  }
}

TEST(MonteCarloPi, BadRequestsAreClearErrors) {
  LocalCluster cluster(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  EXPECT_THROW(monte_carlo_pi({.samples = 0}, *cluster.executor()), std::invalid_argument);
  try {
    monte_carlo_pi({.samples = 10, .device = PiDevice::gpu}, *cluster.executor());
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("no GPU worker"), std::string::npos);
  }
  EXPECT_EQ(parse_pi_device("gpu"), PiDevice::gpu);
  EXPECT_THROW(parse_pi_device("tpu"), std::invalid_argument);
}

// 1e18 samples would need 3.7e9 chunk tasks: refused up front, naming the values, instead of an
// std::bad_alloc while the graph is built.
TEST(MonteCarloPi, MoreChunksThanARunHoldsIsAClearError) {
  LocalCluster cluster(
      {.n_workers = 1, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  for (const PiOptions& options : {PiOptions{.samples = 1'000'000'000'000'000'000},
                                   PiOptions{.samples = 1u << 30, .chunks = (1u << 24) + 1}}) {
    try {
      monte_carlo_pi(options, *cluster.executor());
      FAIL() << options.samples;
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(std::to_string(options.samples)), std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("at most 16777216 chunks"), std::string::npos)
          << e.what();
    }
  }
  // The largest automatic run still builds (not run here: 4.5e15 samples take hours).
  EXPECT_EQ(monte_carlo_pi({.samples = 100}, *cluster.executor()).samples, 100u);
}

TEST(MonteCarloPi, MoreChunksThanSamplesStillCountsEverySample) {
  LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  PiResult few = monte_carlo_pi({.samples = 5, .chunks = 1, .seed = 3}, *cluster.executor());
  PiResult many = monte_carlo_pi({.samples = 5, .chunks = 50, .seed = 3}, *cluster.executor());
  EXPECT_EQ(many.chunks, 5u);
  EXPECT_EQ(many.hits, few.hits);
}
