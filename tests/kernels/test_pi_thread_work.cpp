// The GPU kernel's per-thread work, run on the CPU for simulated grids: the threads' shares tile
// the sample range exactly once, and their hit counts add up to the host count.
#include "tessera/kernels/pi_thread_work.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels {
namespace {

struct RangeCase {
  std::uint64_t first, n;
};

// Odd and even starts and ends, single samples, a range inside one block, and one past 2^49
// (counter word y nonzero).
constexpr RangeCase kRanges[] = {
    {0, 1},    {1, 1},    {1, 2},      {2, 1},    {3, 4},
    {5, 1000}, {6, 1001}, {131071, 3}, {7, 4093}, {(1ull << 49) - 3, 2001}};

constexpr std::uint64_t kGrids[] = {1, 2, 3, 32, 255, 256, 1000, 5000};

TEST(PiThreadWork, SharesCoverEachSampleExactlyOnce) {
  for (const RangeCase rc : kRanges) {
    const PiSampleRange range{rc.first, rc.first + rc.n};
    for (const std::uint64_t n_threads : kGrids) {
      // Visits of samples [first_block * 2, end_block * 2), i.e. including the neighbours the
      // range shares blocks with, which must never be taken.
      const std::uint64_t base = range.first_block() * 2;
      std::vector<int> visits(range.end_block() * 2 - base, 0);
      for (std::uint64_t t = 0; t < n_threads; ++t) {
        for_each_thread_block(range, t, n_threads,
                              [&](std::uint64_t block, bool take_even, bool take_odd) {
                                if (take_even) ++visits[2 * block - base];
                                if (take_odd) ++visits[2 * block + 1 - base];
                              });
      }
      for (std::uint64_t s = base; s < base + visits.size(); ++s) {
        const int want = (s >= range.first && s < range.end) ? 1 : 0;
        ASSERT_EQ(visits[s - base], want) << "sample " << s << " range [" << range.first << ", "
                                          << range.end << ") threads " << n_threads;
      }
    }
  }
}

TEST(PiThreadWork, SharesAddUpToHostCount) {
  const std::uint64_t seed = 0x5eed5eed00000001ull;
  for (const RangeCase rc : kRanges) {
    const PiSampleRange range{rc.first, rc.first + rc.n};
    const std::uint64_t want = host::pi_hits({}, seed, rc.first, rc.n);
    for (const std::uint64_t n_threads : kGrids) {
      std::uint64_t sum = 0;
      for (std::uint64_t t = 0; t < n_threads; ++t) {
        sum += count_pi_hits_thread(PhiloxBlocks{philox_key(seed)}, range, t, n_threads);
      }
      EXPECT_EQ(sum, want) << "first " << rc.first << " n " << rc.n << " threads " << n_threads;
    }
  }
}

}  // namespace
}  // namespace tessera::kernels
