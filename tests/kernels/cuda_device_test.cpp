// GPU discovery behaves on machines without a GPU: the count is 0 rather than an error, and
// anything needing a device fails with an exception, in CUDA and non-CUDA builds alike.
#include "tessera/kernels/cuda_device.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "tessera/kernels/pi_cuda.hpp"

namespace tessera::kernels {
namespace {

TEST(CudaDevice, CountNeverFails) {
  const int n = cuda_device_count();
  EXPECT_GE(n, 0);
  EXPECT_EQ(cuda_device_count(), n);
  // One past the last device is invalid whatever the machine.
  EXPECT_THROW(cuda_device_info(n), std::runtime_error);
}

#if !TESSERA_HAVE_CUDA
TEST(CudaDevice, WithoutCudaEverythingElseThrows) {
  EXPECT_EQ(cuda_device_count(), 0);
  EXPECT_THROW(cuda_create_stream(0), std::runtime_error);
  EXPECT_THROW(cuda_destroy_stream(0, nullptr), std::runtime_error);
  EXPECT_THROW(count_pi_hits_cuda(0, nullptr, 1, 0, 10), std::runtime_error);
}
#else
TEST(CudaDevice, NoDeviceMeansCountFails) {
  if (cuda_device_count() > 0) GTEST_SKIP() << "a GPU is present";
  EXPECT_THROW(count_pi_hits_cuda(0, nullptr, 1, 0, 10), std::runtime_error);
}
#endif

}  // namespace
}  // namespace tessera::kernels
