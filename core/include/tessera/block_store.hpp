#pragma once
// Where persisted chunks live: in memory up to a budget, the least recently used ones spilled to
// files in a spill directory beyond it (Dask's `target` threshold) or when the process as a whole
// uses too much memory (Dask's `spill` threshold, driven by the cluster's memory monitor), read
// back transparently. Spill files are LZ4-compressed where that pays (Dask's default, too).

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "tessera/ndarray.hpp"

namespace tessera {

namespace spill_detail {
struct SpillFile;
}

/// How spill files are written (Dask's `distributed.worker.memory.spill-compression`).
enum class SpillCompression {
  automatic,  ///< "auto": LZ4 when a trial shows it saves a fifth of the bytes or more
  lz4,        ///< "lz4": always LZ4 (unless the chunk does not shrink at all)
  none,       ///< "none": raw .npy files
};
/// "auto", "lz4" or "none" (also "false"); anything else throws std::invalid_argument naming it.
SpillCompression parse_spill_compression(std::string_view text);

class BlockStore;

/// One stored chunk: in memory, or spilled to a file.
class StoredBlock : public std::enable_shared_from_this<StoredBlock> {
 public:
  StoredBlock(std::weak_ptr<BlockStore> store, std::shared_ptr<NDArray> data, std::uint64_t id,
              int owner);
  ~StoredBlock();
  StoredBlock(const StoredBlock&) = delete;
  StoredBlock& operator=(const StoredBlock&) = delete;

  /// The chunk: from memory, or mapped from its spill file (copy-on-write; not counted against
  /// the budget, and the page cache usually serves it). Thread-safe.
  std::shared_ptr<NDArray> load();
  /// Writes the chunk to `stem` + ".npy" or ".lz4" and frees its memory; returns the bytes
  /// written, 0 when it was already spilled.
  std::uint64_t spill(const std::string& stem, SpillCompression compression);
  bool in_memory() const;
  /// True once spilled to an LZ4 file.
  bool compressed() const;
  std::uint64_t nbytes() const noexcept { return nbytes_; }
  /// The worker that stored it (-1: none).
  int owner() const noexcept { return owner_; }

 private:
  friend class BlockStore;
  std::weak_ptr<BlockStore> store_;
  mutable std::mutex mutex_;
  std::shared_ptr<NDArray> data_;
  std::unique_ptr<spill_detail::SpillFile> file_;  // set once spilled
  Shape shape_;
  DType dtype_;
  std::uint64_t nbytes_;
  std::uint64_t id_;
  int owner_;
  std::list<std::pair<StoredBlock*, std::weak_ptr<StoredBlock>>>::iterator
      lru_;              // in the store's LRU list
  bool listed_ = false;  // in that list (guarded by the store's mutex)
};

/// One chunk written to or read back from the spill directory, for diagnostics.
struct SpillEvent {
  bool read = false;  ///< false: written (spilled), true: read back
  std::uint64_t block = 0;
  int owner = -1;  ///< the worker that stored the chunk
  std::uint64_t bytes = 0, file_bytes = 0;
  double start = 0, stop = 0;  ///< seconds since the Unix epoch
};

struct BlockStoreOptions {
  std::uint64_t budget = 0;  ///< bytes kept in memory (0: no limit, never spill for it)
  std::string directory;     ///< spill files; created on first spill, removed with the store
  int owners = 0;            ///< workers whose bytes are also counted one by one
  SpillCompression compression = SpillCompression::automatic;
};

/// Accounts stored chunks against a byte budget and spills the least recently stored beyond it.
class BlockStore : public std::enable_shared_from_this<BlockStore> {
 public:
  explicit BlockStore(BlockStoreOptions options);
  BlockStore(std::uint64_t budget, std::string directory)
      : BlockStore(BlockStoreOptions{budget, std::move(directory)}) {}
  ~BlockStore();

  /// Takes a chunk stored by worker `owner` (-1: none) into the store, spilling older ones if the
  /// budget is exceeded. A chunk larger than the whole budget goes straight to disk.
  std::shared_ptr<StoredBlock> add(std::shared_ptr<NDArray> data, int owner = -1);

  /// Spills least recently stored chunks while `more()` says so and any is in memory; returns
  /// the bytes spilled. Thread-safe (the memory monitor calls it while tasks add chunks).
  std::uint64_t spill_while(const std::function<bool()>& more);

  /// Called after every spill-file write and read, on the thread that did it (set it before the
  /// store is shared; keep it short and thread-safe).
  void set_listener(std::function<void(const SpillEvent&)> listener) {
    listener_ = std::move(listener);
  }

  std::uint64_t budget() const noexcept { return budget_; }
  std::uint64_t memory_bytes() const noexcept { return memory_.load(); }
  std::uint64_t spilled_bytes() const noexcept { return spilled_.load(); }
  /// Bytes the spill files take on disk (less than spilled_bytes() where compression paid).
  std::uint64_t spilled_file_bytes() const noexcept { return spilled_file_.load(); }
  /// Bytes ever spilled (a running total, for counters).
  std::uint64_t spilled_bytes_total() const noexcept { return spilled_total_.load(); }
  /// The same, for the chunks worker `owner` stored (0 for an unknown owner).
  std::uint64_t memory_bytes(int owner) const noexcept;
  std::uint64_t spilled_bytes(int owner) const noexcept;
  std::uint64_t spilled_bytes_total(int owner) const noexcept;
  const std::string& directory() const noexcept { return directory_; }
  SpillCompression compression() const noexcept { return compression_; }

 private:
  friend class StoredBlock;
  struct OwnerBytes {
    std::atomic<std::uint64_t> memory{0}, spilled{0}, spilled_total{0};
  };
  void forget(StoredBlock& block);  // called by a dying block
  std::string spill_stem(std::uint64_t id) const;
  // Counts `bytes` into (or out of, when negative) a total and the owner's share.
  void count(std::atomic<std::uint64_t>& total, std::atomic<std::uint64_t> OwnerBytes::*share,
             int owner, std::int64_t bytes);

  std::uint64_t budget_;
  std::string directory_;
  SpillCompression compression_;
  int owners_;
  std::unique_ptr<OwnerBytes[]> owner_bytes_;
  std::function<void(const SpillEvent&)> listener_;
  std::mutex mutex_;
  // In-memory blocks, oldest first. The raw pointer stays valid while an expired block waits in
  // forget() for the mutex, so the spiller can unlist it.
  std::list<std::pair<StoredBlock*, std::weak_ptr<StoredBlock>>> lru_;
  std::atomic<std::uint64_t> memory_{0}, spilled_{0}, spilled_file_{0}, spilled_total_{0},
      next_id_{1};
};

}  // namespace tessera
