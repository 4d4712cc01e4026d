#include "tessera/device_array.hpp"

#include <fmt/format.h>

#include <map>
#include <mutex>
#include <stdexcept>

#include "tessera/kernels/cuda/memory.hpp"
#include "tessera/kernels/cuda_device.hpp"

namespace tessera {
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

}  // namespace

std::shared_ptr<DeviceMemory> cuda_device_memory(int device) {
  if (!kernels::cuda_kernels_built())
    throw std::runtime_error(
        fmt::format("cannot use device memory of cuda:{}: Tessera was built without CUDA", device));
  static std::mutex mutex;
  static std::map<int, std::shared_ptr<DeviceMemory>> devices;
  std::lock_guard lock(mutex);
  auto& memory = devices[device];
  if (!memory) memory = std::make_shared<CudaDeviceMemory>(device);
  return memory;
}

DeviceArray::DeviceArray(std::shared_ptr<DeviceMemory> memory, Shape shape, DType dtype, int owner)
    : memory_(std::move(memory)),
      shape_(std::move(shape)),
      dtype_(dtype),
      nbytes_(nbytes_of(shape_, dtype_)),
      owner_(owner) {
  if (!memory_) throw std::invalid_argument("DeviceArray: no device memory given");
  if (nbytes_ > 0) data_ = memory_->allocate(nbytes_);
}

std::uint64_t DeviceArray::nbytes_of(const Shape& shape, DType dtype) {
  std::uint64_t bytes = dtype_size(dtype);
  for (const auto extent : shape) {
    if (extent < 0)
      throw std::invalid_argument(fmt::format("DeviceArray: negative extent {}", extent));
    bytes *= static_cast<std::uint64_t>(extent);
  }
  return bytes;
}

DeviceArray::~DeviceArray() {
  if (data_) memory_->release(data_);
}

NDArray DeviceArray::to_host() const {
  NDArray host(shape_, dtype_);
  if (nbytes_ > 0) memory_->copy_to_host(host.raw(), data_, nbytes_);
  return host;
}

}  // namespace tessera
