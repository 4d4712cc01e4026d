#pragma once
// Where persisted chunks live: in memory up to a budget, the least recently used ones spilled to
// files in a spill directory beyond it (Dask's `target` threshold), read back transparently.

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>

#include "tessera/ndarray.hpp"

namespace tessera {

class BlockStore;

/// One stored chunk: in memory, or spilled to a file.
class StoredBlock : public std::enable_shared_from_this<StoredBlock> {
 public:
  StoredBlock(std::weak_ptr<BlockStore> store, std::shared_ptr<NDArray> data, std::uint64_t id);
  ~StoredBlock();
  StoredBlock(const StoredBlock&) = delete;
  StoredBlock& operator=(const StoredBlock&) = delete;

  /// The chunk: from memory, or mapped from its spill file (copy-on-write; not counted against
  /// the budget, and the page cache usually serves it). Thread-safe.
  std::shared_ptr<NDArray> load();
  /// Writes the chunk to `path` and frees its memory; false when already spilled.
  bool spill(const std::string& path);
  bool in_memory() const;
  std::uint64_t nbytes() const noexcept { return nbytes_; }

 private:
  friend class BlockStore;
  std::weak_ptr<BlockStore> store_;
  mutable std::mutex mutex_;
  std::shared_ptr<NDArray> data_;
  std::string path_;             // set once spilled
  std::size_t data_offset_ = 0;  // where the data starts in the spill file
  Shape shape_;
  DType dtype_;
  std::uint64_t nbytes_;
  std::uint64_t id_;
  std::list<std::pair<StoredBlock*, std::weak_ptr<StoredBlock>>>::iterator
      lru_;              // in the store's LRU list
  bool listed_ = false;  // in that list (guarded by the store's mutex)
};

/// Accounts stored chunks against a byte budget and spills the least recently stored beyond it.
class BlockStore : public std::enable_shared_from_this<BlockStore> {
 public:
  /// `budget` bytes kept in memory (0: no limit, never spill); spill files go to `directory`,
  /// created on first spill and removed with the store.
  BlockStore(std::uint64_t budget, std::string directory);
  ~BlockStore();

  /// Takes a chunk into the store, spilling older ones if the budget is exceeded. A chunk larger
  /// than the whole budget goes straight to disk.
  std::shared_ptr<StoredBlock> add(std::shared_ptr<NDArray> data);

  std::uint64_t budget() const noexcept { return budget_; }
  std::uint64_t memory_bytes() const noexcept { return memory_.load(); }
  std::uint64_t spilled_bytes() const noexcept { return spilled_.load(); }
  const std::string& directory() const noexcept { return directory_; }

 private:
  friend class StoredBlock;
  void forget(StoredBlock& block);  // called by a dying block
  void spill_until_within_budget();
  std::string spill_path(std::uint64_t id) const;

  std::uint64_t budget_;
  std::string directory_;
  std::mutex mutex_;
  // In-memory blocks, oldest first. The raw pointer stays valid while an expired block waits in
  // forget() for the mutex, so the spiller can unlist it.
  std::list<std::pair<StoredBlock*, std::weak_ptr<StoredBlock>>> lru_;
  std::atomic<std::uint64_t> memory_{0}, spilled_{0}, next_id_{1};
};

}  // namespace tessera
