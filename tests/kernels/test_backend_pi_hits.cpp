// pi_hits of every backend (host, CUDA) against the scalar reference of pi_hits.hpp: exact counts,
// empty and overflowing ranges, and statistical accuracy. Written once, run per backend; the CUDA
// cases skip where no device is present. Backend-specific checks stay beside each backend's own
// tests (test_pi_host.cpp: vector levels, chunking, Kokkos; test_pi_cuda.cpp: streams, devices).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <stdexcept>

#include "kernel_backends.hpp"
#include "pi_ranges.hpp"
#include "tessera/kernels/pi_thread_work.hpp"

namespace tessera::kernels {
namespace {

template <class Backend>
class PiHits : public ::testing::Test {};
TYPED_TEST_SUITE(PiHits, testing::KernelBackends, testing::BackendName);

TYPED_TEST(PiHits, MatchesScalarReference) {
  TESSERA_SKIP_WITHOUT_BACKEND(TypeParam);
  for (const testing::RangeCase c : testing::kRanges) {
    EXPECT_EQ(TypeParam::pi_hits(TypeParam::place(), c.seed, c.first, c.n),
              count_pi_hits_scalar(c.seed, c.first, c.n))
        << "seed " << c.seed << " first " << c.first << " n " << c.n;
  }
}

TYPED_TEST(PiHits, EmptyAndOverflowingRanges) {
  TESSERA_SKIP_WITHOUT_BACKEND(TypeParam);
  const auto place = TypeParam::place();
  EXPECT_EQ(TypeParam::pi_hits(place, 1, 12345, 0), 0u);
  EXPECT_EQ(TypeParam::pi_hits(place, 1, 5, 0), 0u);
  EXPECT_THROW(TypeParam::pi_hits(place, 1, ~std::uint64_t{0} - 5, 7), std::out_of_range);
  EXPECT_EQ(TypeParam::pi_hits(place, 1, ~std::uint64_t{0} - 5, 5),
            count_pi_hits_scalar(1, ~std::uint64_t{0} - 5, 5));
}

TYPED_TEST(PiHits, EstimateWithinSixSigma) {
  TESSERA_SKIP_WITHOUT_BACKEND(TypeParam);
  // Each sample hits independently with p = pi/4 (up to the 2^-32 grid, far below the tolerance),
  // so hits ~ Binomial(n, p) with variance n p (1 - p), and pi_hat = 4 hits / n has standard
  // deviation sigma = 4 sqrt(p (1 - p) / n). |pi_hat - pi| < 6 sigma fails with probability
  // about 2e-9 per seed for a correct generator, while any layout or bias bug shifts pi_hat by far
  // more (for n = 2^24, sigma is 4.1e-4).
  const std::uint64_t n = std::uint64_t{1} << 24;
  const double p = std::numbers::pi / 4;
  const double sigma = 4 * std::sqrt(p * (1 - p) / static_cast<double>(n));
  for (const std::uint64_t seed : {0ull, 1ull, 2024ull, 0xffffffff00000000ull}) {
    const double pi_hat =
        4.0 * static_cast<double>(TypeParam::pi_hits(TypeParam::place(), seed, 0, n)) / n;
    EXPECT_LT(std::abs(pi_hat - std::numbers::pi), 6 * sigma) << "seed " << seed;
  }
}

}  // namespace
}  // namespace tessera::kernels
