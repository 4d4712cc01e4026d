// cuda::pi_hits's own parts: a range far too long for the scalar reference against host::pi_hits,
// every device and its own stream (label gpu; skipped without a device). What every backend must
// do is in test_backend_pi_hits.cpp.
#include "tessera/kernels/cuda/pi_hits.hpp"

#include <gtest/gtest.h>

#include <cstdint>

#include "kernel_backends.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels {
namespace {

using testing::CudaBackend;

// One large range that gives every thread many blocks (the small ones are in
// test_backend_pi_hits.cpp, against the scalar reference).
TEST(PiCuda, LargeRangeMatchesHost) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
  constexpr std::uint64_t seed = 0x0123456789abcdefull, first = 987654321, n = (1ull << 30) + 7;
  EXPECT_EQ(cuda::pi_hits({0, nullptr}, seed, first, n), host::pi_hits({}, seed, first, n));
}

TEST(PiCuda, MatchesHostOnEveryDeviceAndOwnStream) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
  for (int device = 0; device < cuda_device_count(); ++device) {
    void* stream = cuda_create_stream(device);
    EXPECT_EQ(cuda::pi_hits({device, stream}, 99, 7, 5000001), host::pi_hits({}, 99, 7, 5000001))
        << "device " << device;
    cuda_destroy_stream(device, stream);
  }
}

TEST(PiCuda, DeviceInfoIsFilled) {
  TESSERA_SKIP_WITHOUT_BACKEND(CudaBackend);
  const CudaDeviceInfo info = cuda_device_info(0);
  EXPECT_EQ(info.index, 0);
  EXPECT_FALSE(info.name.empty());
  EXPECT_GT(info.total_memory, 0u);
  EXPECT_GT(info.multiprocessors, 0);
}

}  // namespace
}  // namespace tessera::kernels
