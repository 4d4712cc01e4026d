#include "cuda_device_memory.hpp"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "tessera/kernels/cuda/memory.hpp"
#include "tessera/kernels/cuda_device.hpp"

namespace tessera::detail {
namespace {

class CudaDeviceMemory final : public DeviceMemory {
 public:
  explicit CudaDeviceMemory(int device) : device_(device) {}
  void* allocate(std::uint64_t bytes) override { return kernels::cuda::allocate({device_}, bytes); }
  void release(void* pointer) noexcept override { kernels::cuda::release({device_}, pointer); }
  void copy_to_host(void* host, const void* device, std::uint64_t bytes) override {
    kernels::cuda::copy({device_}, host, device, bytes);
  }
  std::string name() const override { return fmt::format("cuda:{}", device_); }

 private:
  int device_;
};

struct Devices {
  std::mutex mutex;
  std::map<int, std::shared_ptr<DeviceMemory>> by_index;
};

}  // namespace

std::shared_ptr<DeviceMemory> cuda_device_memory(int device) {
  if (!kernels::cuda_kernels_built())
    throw std::runtime_error(
        fmt::format("cannot use device memory of cuda:{}: Tessera was built without CUDA", device));
  // Never destroyed: a process-lifetime cluster's GPU tasks may allocate while the process exits.
  static auto* devices = new Devices();
  std::lock_guard lock(devices->mutex);
  auto& memory = devices->by_index[device];
  if (!memory) memory = std::make_shared<CudaDeviceMemory>(device);
  return memory;
}

}  // namespace tessera::detail
