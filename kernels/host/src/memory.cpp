// host memory helpers: operator new with the alignment of the widest vector the kernels use, so a
// buffer allocated here is as good an output as any other host buffer.
#include "tessera/kernels/host/memory.hpp"

#include <cstring>
#include <new>

namespace tessera::kernels::host {
namespace {

constexpr std::align_val_t kAlignment{64};  // one cache line, one AVX-512 vector

}  // namespace

void* allocate(const Place&, std::size_t bytes) {
  return ::operator new(bytes, kAlignment);
}

void release(const Place&, void* pointer) noexcept {
  ::operator delete(pointer, kAlignment);
}

void copy(const Place&, void* to, const void* from, std::size_t bytes) {
  if (bytes != 0) std::memcpy(to, from, bytes);
}

void synchronize(const Place&) {}

}  // namespace tessera::kernels::host
