#include "tessera/device_array.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tessera {
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
