#pragma once
// Where persist() keeps computed chunks, as core sees it. How chunks are kept (memory budgets,
// spilling to disk, a device tier) is the executor's memory policy, not core's: a cluster's
// scheduler implements this with its block store, and an executor without one keeps chunks in
// memory (in_memory_chunk_store()). core's tasks talk to this interface only.

#include <cstdint>
#include <memory>

#include "tessera/ndarray.hpp"

namespace tessera {

class DeviceArray;

/// One chunk a ChunkStore holds. Dropping the last handle releases it (its memory, or its spill
/// file).
class StoredChunk {
 public:
  virtual ~StoredChunk() = default;
  /// The chunk in host memory (read back or copied from the device when it is not there);
  /// thread-safe. The returned array is the caller's, not counted against any budget.
  virtual std::shared_ptr<NDArray> load() = 0;
  /// Bytes of the chunk's data.
  virtual std::uint64_t nbytes() const noexcept = 0;
  /// The MPI rank that holds it when chunks are spread over ranks (an MPICluster's store), so
  /// tasks that read it run there; -1 when every reader can load it here.
  virtual int home() const noexcept { return -1; }
};

class ChunkStore {
 public:
  virtual ~ChunkStore() = default;
  /// Takes a host chunk made by worker `owner` (-1: none) into the store.
  virtual std::shared_ptr<StoredChunk> put(std::shared_ptr<NDArray> chunk, int owner) = 0;
  /// Takes a chunk in device memory, held by its owner (DeviceArray::owner()).
  virtual std::shared_ptr<StoredChunk> put(std::shared_ptr<DeviceArray> chunk) = 0;
  /// Makes room for `bytes` more on worker `owner`'s device before a task allocates a chunk
  /// there, so the device holds no more than its budget (a store without one does nothing).
  /// Returns the bytes it moved off the device.
  virtual std::uint64_t make_device_room(int owner, std::uint64_t bytes) = 0;
  /// The largest chunk a worker may hold in bytes (its memory limit); 0: no limit. The lowering
  /// refuses chunks beyond it before anything runs.
  virtual std::uint64_t chunk_limit() const noexcept = 0;
};

/// A store that keeps every chunk where it is (host chunks in memory, device chunks on their
/// device) with no budget and no spilling: for executors without a memory policy of their own.
std::shared_ptr<ChunkStore> in_memory_chunk_store(std::uint64_t chunk_limit = 0);

}  // namespace tessera
