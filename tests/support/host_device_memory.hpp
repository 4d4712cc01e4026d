#pragma once
// A DeviceMemory backed by host memory, for tests of device-memory handling on machines without
// a GPU: it counts what is allocated (now and at the peak), can refuse allocations beyond a
// capacity as cudaMalloc does, and can be told to fail its copies.

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>

#include "tessera/device_array.hpp"

namespace tessera::test_support {

class HostDeviceMemory final : public DeviceMemory {
 public:
  explicit HostDeviceMemory(std::uint64_t capacity = 0) : capacity_(capacity) {}

  void* allocate(std::uint64_t bytes) override {
    std::lock_guard lock(mutex_);
    if (capacity_ > 0 && live_ + bytes > capacity_)
      throw std::runtime_error("out of memory on " + name() + ": " + std::to_string(bytes) +
                               " bytes requested, " + std::to_string(capacity_ - live_) + " free");
    void* pointer = std::malloc(bytes);
    if (!pointer) throw std::bad_alloc();
    sizes_[pointer] = bytes;
    live_ += bytes;
    peak_ = std::max(peak_, live_);
    return pointer;
  }
  void release(void* pointer) noexcept override {
    std::lock_guard lock(mutex_);
    live_ -= sizes_.at(pointer);
    sizes_.erase(pointer);
    std::free(pointer);
  }
  void copy_to_host(void* host, const void* device, std::uint64_t bytes) override {
    if (fail_copies.load()) throw std::runtime_error("copy from " + name() + " failed");
    copies.fetch_add(1);
    std::memcpy(host, device, bytes);
  }
  std::string name() const override { return "host-backed test device"; }

  std::uint64_t live() const {
    std::lock_guard lock(mutex_);
    return live_;
  }
  std::uint64_t peak() const {
    std::lock_guard lock(mutex_);
    return peak_;
  }

  std::atomic<bool> fail_copies{false};
  std::atomic<int> copies{0};

 private:
  mutable std::mutex mutex_;
  std::uint64_t capacity_;
  std::uint64_t live_ = 0, peak_ = 0;
  std::map<void*, std::uint64_t> sizes_;
};

}  // namespace tessera::test_support
