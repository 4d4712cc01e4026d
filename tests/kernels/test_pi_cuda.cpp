// cuda::pi_hits equals host::pi_hits bit for bit (label gpu; skipped without a device).
#include "tessera/kernels/cuda/pi_hits.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <stdexcept>

#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels {
namespace {

// The reason tells "no GPU" from "CUDA failed" (a driver too old or missing, say).
#define TESSERA_REQUIRE_GPU() \
  if (const CudaStatus cuda = cuda_status(); cuda.count == 0) GTEST_SKIP() << cuda.describe()

struct RangeCase {
  std::uint64_t seed, first, n;
};

// Odd boundaries, tiny ranges (fewer blocks than threads), segment crossings, the counter's word y,
// and one large range that gives every thread many blocks.
constexpr RangeCase kRanges[] = {
    {1, 0, 1},
    {1, 1, 1},
    {2, 3, 4},
    {3, 131071, 3},
    {4, 12345, 1000001},
    {0xffffffff00000000ull, (1ull << 49) - 77, 100003},
    {0xdeadbeefcafef00dull, 0xffffffffull * 131072 - 11, 262145},
    {0x0123456789abcdefull, 987654321, (1ull << 30) + 7},
};

TEST(PiCuda, MatchesHostOnDefaultStream) {
  TESSERA_REQUIRE_GPU();
  for (const RangeCase c : kRanges) {
    EXPECT_EQ(cuda::pi_hits({0, nullptr}, c.seed, c.first, c.n),
              host::pi_hits({}, c.seed, c.first, c.n))
        << "seed " << c.seed << " first " << c.first << " n " << c.n;
  }
}

TEST(PiCuda, MatchesHostOnEveryDeviceAndOwnStream) {
  TESSERA_REQUIRE_GPU();
  for (int device = 0; device < cuda_device_count(); ++device) {
    void* stream = cuda_create_stream(device);
    EXPECT_EQ(cuda::pi_hits({device, stream}, 99, 7, 5000001), host::pi_hits({}, 99, 7, 5000001))
        << "device " << device;
    cuda_destroy_stream(device, stream);
  }
}

TEST(PiCuda, DeviceInfoIsFilled) {
  TESSERA_REQUIRE_GPU();
  const CudaDeviceInfo info = cuda_device_info(0);
  EXPECT_EQ(info.index, 0);
  EXPECT_FALSE(info.name.empty());
  EXPECT_GT(info.total_memory, 0u);
  EXPECT_GT(info.multiprocessors, 0);
}

TEST(PiCuda, EmptyAndOverflowingRanges) {
  TESSERA_REQUIRE_GPU();
  EXPECT_EQ(cuda::pi_hits({0, nullptr}, 1, 5, 0), 0u);
  EXPECT_THROW(cuda::pi_hits({0, nullptr}, 1, ~std::uint64_t{0} - 5, 7), std::out_of_range);
}

}  // namespace
}  // namespace tessera::kernels
