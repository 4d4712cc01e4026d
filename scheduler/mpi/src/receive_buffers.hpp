#pragma once
// Buffers for received messages. A large message needs a buffer of its size, and a fresh one
// costs a page fault per page on first touch: on this machine's VM that is most of a 64 MB
// transfer's time, where MPI's own ping-pong reuses one buffer. The buffers of received chunks
// that were freed are kept for the next large messages instead (as MPI libraries keep their
// registered buffers).

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>

namespace tessera::detail {

class ReceiveBuffers : public std::enable_shared_from_this<ReceiveBuffers> {
 public:
  /// Messages from this size on get kept buffers; smaller ones a fresh one each.
  static constexpr std::size_t kKeptFrom = 1 << 20;
  /// Freed buffers kept at most (beyond these they are freed).
  static constexpr std::size_t kMaxKept = 4;

  ~ReceiveBuffers();
  /// A 64-byte aligned buffer of at least `size` bytes; returned here when its last owner lets go.
  std::shared_ptr<std::byte> take(std::size_t size);
  /// Buffers kept now (for tests).
  std::size_t kept() const;

 private:
  void give_back(std::byte* buffer, std::size_t capacity);

  mutable std::mutex mutex_;
  std::multimap<std::size_t, std::byte*> kept_;  // capacity -> buffer
};

}  // namespace tessera::detail
