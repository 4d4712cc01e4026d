// The bulk uniform-double kernels of every instruction set the CPU supports, against
// uniform_double element by element: runs at every alignment and length, and transposed tiles.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tessera/kernels/host/simd.hpp"
#include "tessera/kernels/philox.hpp"

namespace tessera::kernels {
namespace {

using host::SimdLevel;

constexpr SimdLevel kLevels[] = {SimdLevel::generic, SimdLevel::avx2, SimdLevel::avx512};

TEST(UniformSimd, RunsMatchScalar) {
  constexpr std::uint64_t seed = 0xdeadbeefcafef00dull;
  for (SimdLevel level : kLevels) {
    if (!host::simd_level_supported(level)) continue;
    // Starts at every residue mod 16, near a 262144 period boundary and past 2^32 positions.
    for (std::uint64_t base : {0ull, 262144ull * 3 - 40, (1ull << 50) + 6}) {
      for (std::uint64_t shift = 0; shift < 17; ++shift) {
        for (std::size_t n : {0, 1, 2, 3, 15, 16, 17, 63, 64, 65, 200, 1000}) {
          std::vector<double> out(n + 1, -1.0);
          host::uniform_run_at(seed, base + shift, n, out.data(), level);
          for (std::size_t k = 0; k < n; ++k) {
            ASSERT_EQ(out[k], uniform_double(seed, base + shift + k))
                << "level " << static_cast<int>(level) << " first " << base + shift << " n " << n
                << " k " << k;
          }
          ASSERT_EQ(out[n], -1.0) << "wrote past the end";
        }
      }
    }
  }
}

TEST(UniformSimd, TransposedTilesMatchScalar) {
  constexpr std::uint64_t seed = 42;
  for (SimdLevel level : kLevels) {
    if (!host::simd_level_supported(level)) continue;
    for (std::int64_t stride : {2, 10000, 262144, -20}) {
      for (int rows : {1, 2, 7, 8, 32, 33}) {
        for (int cols : {1, 3, 8, 9, 31, 256}) {
          const std::size_t ld = cols + 3;
          std::vector<double> out(rows * ld, -1.0);
          const std::uint64_t base = stride < 0 ? 20 * 300 : 1000;
          host::uniform_columns_at(seed, base, stride, rows, cols, out.data(), ld, level);
          for (int r = 0; r < rows; ++r) {
            for (int c = 0; c < static_cast<int>(ld); ++c) {
              const double want = c < cols ? uniform_double(seed, base + c * stride + r) : -1.0;
              ASSERT_EQ(out[r * ld + c], want)
                  << "level " << static_cast<int>(level) << " stride " << stride << " tile " << rows
                  << "x" << cols << " at " << r << "," << c;
            }
          }
        }
      }
    }
  }
}

}  // namespace
}  // namespace tessera::kernels
