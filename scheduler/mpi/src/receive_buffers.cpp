#include "receive_buffers.hpp"

#include <cstdlib>
#include <new>

#include "tessera/detail/value_codec.hpp"

namespace tessera::detail {

ReceiveBuffers::~ReceiveBuffers() {
  for (auto& [capacity, buffer] : kept_) std::free(buffer);
}

std::shared_ptr<std::byte> ReceiveBuffers::take(std::size_t size) {
  if (size < kKeptFrom) return aligned_buffer(size);
  std::byte* buffer = nullptr;
  std::size_t capacity = 0;
  {
    std::lock_guard lock(mutex_);
    // The smallest kept buffer that fits, unless it is more than twice the size (a 64 MB buffer
    // kept for 1 MB messages would hold memory the chunk does not account for).
    auto it = kept_.lower_bound(size);
    if (it != kept_.end() && it->first <= 2 * size) {
      capacity = it->first;
      buffer = it->second;
      kept_.erase(it);
    }
  }
  if (!buffer) {
    capacity = (size + 63) / 64 * 64;
    buffer = static_cast<std::byte*>(std::aligned_alloc(64, capacity));
    if (!buffer) throw std::bad_alloc();
  }
  std::weak_ptr<ReceiveBuffers> home = weak_from_this();
  return std::shared_ptr<std::byte>(buffer, [home, capacity](std::byte* p) {
    if (auto pool = home.lock())
      pool->give_back(p, capacity);
    else
      std::free(p);
  });
}

void ReceiveBuffers::give_back(std::byte* buffer, std::size_t capacity) {
  {
    std::lock_guard lock(mutex_);
    if (kept_.size() < kMaxKept) {
      kept_.emplace(capacity, buffer);
      return;
    }
  }
  std::free(buffer);
}

std::size_t ReceiveBuffers::kept() const {
  std::lock_guard lock(mutex_);
  return kept_.size();
}

}  // namespace tessera::detail
