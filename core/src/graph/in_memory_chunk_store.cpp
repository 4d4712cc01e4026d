// The chunk store of executors without a memory policy (a serial executor, a test's own): chunks
// stay where they were made, for as long as a handle holds them.
#include <stdexcept>
#include <utility>

#include "tessera/chunk_store.hpp"
#include "tessera/device_array.hpp"

namespace tessera {
namespace {

class HostStoredChunk final : public StoredChunk {
 public:
  explicit HostStoredChunk(std::shared_ptr<NDArray> chunk) : chunk_(std::move(chunk)) {}
  std::shared_ptr<NDArray> load() override { return chunk_; }
  std::uint64_t nbytes() const noexcept override { return chunk_->nbytes(); }

 private:
  std::shared_ptr<NDArray> chunk_;
};

// Left in device memory (nothing asks for room there); each load copies it to the host.
class DeviceStoredChunk final : public StoredChunk {
 public:
  explicit DeviceStoredChunk(std::shared_ptr<DeviceArray> chunk) : chunk_(std::move(chunk)) {}
  std::shared_ptr<NDArray> load() override { return std::make_shared<NDArray>(chunk_->to_host()); }
  std::uint64_t nbytes() const noexcept override { return chunk_->nbytes(); }

 private:
  std::shared_ptr<DeviceArray> chunk_;
};

class InMemoryChunkStore final : public ChunkStore {
 public:
  explicit InMemoryChunkStore(std::uint64_t chunk_limit) : chunk_limit_(chunk_limit) {}
  std::shared_ptr<StoredChunk> put(std::shared_ptr<NDArray> chunk, int) override {
    return std::make_shared<HostStoredChunk>(checked(std::move(chunk)));
  }
  std::shared_ptr<StoredChunk> put(std::shared_ptr<DeviceArray> chunk) override {
    return std::make_shared<DeviceStoredChunk>(checked(std::move(chunk)));
  }
  std::uint64_t make_device_room(int, std::uint64_t) override { return 0; }
  std::uint64_t chunk_limit() const noexcept override { return chunk_limit_; }

 private:
  template <class Chunk>
  static std::shared_ptr<Chunk> checked(std::shared_ptr<Chunk> chunk) {
    if (!chunk) throw std::invalid_argument("ChunkStore::put: null chunk");
    return chunk;
  }
  std::uint64_t chunk_limit_;
};

}  // namespace

std::shared_ptr<ChunkStore> in_memory_chunk_store(std::uint64_t chunk_limit) {
  return std::make_shared<InMemoryChunkStore>(chunk_limit);
}

}  // namespace tessera
