#pragma once
// The scheduler's memory policy, behind core's ChunkStore interface (persist() and device tasks
// see only that): memory budgets and spilling belong to the cluster that runs the tasks.
//
// Where persisted chunks live: in memory up to a budget, the least recently used ones spilled to
// files in a spill directory beyond it (Dask's `target` threshold) or when the process as a whole
// uses too much memory (Dask's `spill` threshold, driven by the cluster's memory monitor), read
// back transparently. Spill files are LZ4-compressed where that pays (Dask's default, too).
//
// Three tiers, as dask-cuda has them: chunks a GPU worker keeps on its device count against that
// worker's device budget and move to host memory beyond it; host chunks count against their
// worker's host budget and the store's total, and move to disk beyond them.

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include <vector>

#include "tessera/chunk_store.hpp"
#include "tessera/device_array.hpp"
#include "tessera/executor.hpp"
#include "tessera/ndarray.hpp"

namespace tessera {

namespace detail {
struct SpillFile;
class SpillFolder;
}  // namespace detail

/// How spill files are written (Dask's `distributed.worker.memory.spill-compression`).
enum class SpillCompression {
  automatic,  ///< "auto": LZ4 when a trial shows it saves a fifth of the bytes or more
  lz4,        ///< "lz4": always LZ4 (unless the chunk does not shrink at all)
  none,       ///< "none": raw .npy files
};
/// "auto", "lz4" or "none" (also "false"); anything else throws std::invalid_argument naming it.
SpillCompression parse_spill_compression(std::string_view text);

/// Removes the spill folders in `directory` ("tessera-*-spill") that no live process holds:
/// those left behind by a process that was interrupted or killed while it had chunks spilled
/// (Dask purges its stale worker directories the same way). A store locks its folder while it
/// exists, so folders in use, by this process or another, stay, and so do folders without a
/// lock file (not made by a store that locks). Returns the folders removed.
std::vector<std::string> remove_stale_spill_folders(const std::string& directory);

class BlockStore;

/// One stored chunk: in device memory, in host memory, or spilled to a file.
class StoredBlock final : public StoredChunk, public std::enable_shared_from_this<StoredBlock> {
 public:
  StoredBlock(std::weak_ptr<BlockStore> store, std::shared_ptr<NDArray> data, std::uint64_t id,
              int owner);
  StoredBlock(std::weak_ptr<BlockStore> store, std::shared_ptr<DeviceArray> data, std::uint64_t id);
  ~StoredBlock() override;
  StoredBlock(const StoredBlock&) = delete;
  StoredBlock& operator=(const StoredBlock&) = delete;

  /// The chunk in host memory: as held, copied from the device, or mapped from its spill file
  /// (copy-on-write). Copies and mappings are the caller's, not counted against any budget.
  /// Thread-safe.
  std::shared_ptr<NDArray> load() override;
  /// The chunk in device memory, or null once it has moved to the host.
  std::shared_ptr<DeviceArray> on_device() const;
  /// Writes the chunk to `stem` + ".npy" or ".lz4" and frees its memory; returns the bytes
  /// written, 0 when it was already spilled.
  std::uint64_t spill(const std::string& stem, SpillCompression compression);
  /// In host memory (not on the device, not spilled).
  bool in_memory() const;
  /// True once spilled to an LZ4 file.
  bool compressed() const;
  std::uint64_t nbytes() const noexcept override { return nbytes_; }
  /// The worker that stored it (-1: none).
  int owner() const noexcept { return owner_; }

 private:
  friend class BlockStore;
  std::weak_ptr<BlockStore> store_;
  mutable std::mutex mutex_;
  // Moves the chunk from the device to host memory; false if it was not on the device.
  bool move_to_host();

  std::shared_ptr<DeviceArray> device_;      // set while on the device
  std::shared_ptr<NDArray> data_;            // set while in host memory
  std::unique_ptr<detail::SpillFile> file_;  // set once spilled
  Shape shape_;
  DType dtype_;
  std::uint64_t nbytes_;
  std::uint64_t id_;
  int owner_;
  // Its place in one of the store's lists (guarded by the store's mutex): on the device list
  // when listed_on_device_, else on the host list.
  std::list<std::pair<StoredBlock*, std::weak_ptr<StoredBlock>>>::iterator lru_;
  bool listed_ = false;
  bool listed_on_device_ = false;
};

/// One chunk written to or read back from the spill directory, or moved from device to host
/// memory, for diagnostics.
struct SpillEvent {
  bool read = false;         ///< false: written (spilled), true: read back
  bool from_device = false;  ///< moved from device to host memory (file_bytes is 0)
  std::uint64_t block = 0;
  int owner = -1;  ///< the worker that stored the chunk
  std::uint64_t bytes = 0, file_bytes = 0;
  double start = 0, stop = 0;  ///< seconds since the Unix epoch
};

struct BlockStoreOptions {
  std::uint64_t budget = 0;  ///< host bytes kept in memory in all (0: no limit, never spill for it)
  /// Spill files; created on first spill (locked as in use: see remove_stale_spill_folders),
  /// removed with the store.
  std::string directory;
  int owners = 0;  ///< workers whose bytes are also counted one by one
  SpillCompression compression = SpillCompression::automatic;
  /// Host bytes each owner's chunks may keep in memory (absent or 0: only `budget` applies).
  std::vector<std::uint64_t> owner_budgets = {};
  /// Device bytes each owner (GPU worker) may keep on its device (absent or 0: no limit).
  std::vector<std::uint64_t> device_budgets = {};
  /// The largest chunk a worker may hold (ChunkStore::chunk_limit(); 0: no limit).
  std::uint64_t chunk_limit = 0;
};

/// Accounts stored chunks against byte budgets and moves the least recently stored beyond them a
/// tier down: device to host, host to disk.
class BlockStore final : public ChunkStore, public std::enable_shared_from_this<BlockStore> {
 public:
  explicit BlockStore(BlockStoreOptions options);
  BlockStore(std::uint64_t budget, std::string directory)
      : BlockStore(BlockStoreOptions{budget, std::move(directory)}) {}
  ~BlockStore() override;

  /// Takes a chunk stored by worker `owner` (-1: none) into the store, spilling older ones if the
  /// budget is exceeded. A chunk larger than the whole budget goes straight to disk.
  std::shared_ptr<StoredBlock> add(std::shared_ptr<NDArray> data, int owner = -1);
  /// Takes a chunk in device memory, held by its owner, into the store's device tier, moving
  /// that owner's older device chunks to host memory beyond its device budget. A chunk larger
  /// than the whole device budget goes straight to host memory.
  std::shared_ptr<StoredBlock> add(std::shared_ptr<DeviceArray> data);

  // ChunkStore: what persist() and device tasks call.
  std::shared_ptr<StoredChunk> put(std::shared_ptr<NDArray> chunk, int owner) override {
    return add(std::move(chunk), owner);
  }
  std::shared_ptr<StoredChunk> put(std::shared_ptr<DeviceArray> chunk) override {
    return add(std::move(chunk));
  }
  std::uint64_t chunk_limit() const noexcept override { return chunk_limit_; }

  /// Moves `owner`'s least recently stored device chunks to host memory until `bytes` more fit
  /// in its device budget (or none is left on the device). A GPU task calls it before it
  /// allocates its output, so the device never holds more than the budget. Returns the bytes
  /// moved.
  std::uint64_t make_device_room(int owner, std::uint64_t bytes) override;

  /// Spills least recently stored chunks while `more()` says so and any is in memory; returns
  /// the bytes spilled. Thread-safe (the memory monitor calls it while tasks add chunks).
  std::uint64_t spill_while(const std::function<bool()>& more);

  /// Called after every spill-file write and read, on the thread that did it (set it before the
  /// store is shared; keep it short and thread-safe).
  void set_listener(std::function<void(const SpillEvent&)> listener) {
    listener_ = std::move(listener);
  }

  std::uint64_t budget() const noexcept { return budget_; }
  /// Host budget of `owner` (0: only the total applies).
  std::uint64_t owner_budget(int owner) const noexcept;
  /// Device budget of `owner` (0: none).
  std::uint64_t device_budget(int owner) const noexcept;
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
  /// Bytes on devices now, in all and of `owner`.
  std::uint64_t device_bytes() const noexcept { return device_.load(); }
  std::uint64_t device_bytes(int owner) const noexcept;
  /// Bytes ever moved from `owner`'s device to host memory.
  std::uint64_t device_spilled_bytes_total(int owner) const noexcept;
  const std::string& directory() const noexcept { return directory_; }
  SpillCompression compression() const noexcept { return compression_; }

 private:
  friend class StoredBlock;
  struct OwnerBytes {
    std::atomic<std::uint64_t> memory{0}, spilled{0}, spilled_total{0}, device{0},
        device_spilled_total{0};
  };
  using Lru = std::list<std::pair<StoredBlock*, std::weak_ptr<StoredBlock>>>;
  void forget(StoredBlock& block);  // called by a dying block
  // The list of `owner`'s chunks in host (or device) memory; unknown owners share list 0.
  Lru& host_list(int owner) { return host_lru_[slot(owner)]; }
  Lru& device_list(int owner) { return device_lru_[slot(owner)]; }
  std::size_t slot(int owner) const noexcept {
    return owner >= 0 && owner < owners_ ? static_cast<std::size_t>(owner) + 1 : 0;
  }
  // Counts `block` into (sign +1) or out of (-1) the device or host tier's bytes.
  void count_in_tier(const StoredBlock& block, bool on_device, int sign);
  // Copies an unlisted device chunk to host memory, lists and counts it there and reports the
  // move. Throws, leaving it unlisted, if the copy fails.
  void move_to_host_tier(const std::shared_ptr<StoredBlock>& block);
  // Lists `block` in its tier's list, last (or first: `oldest`), and counts it (mutex_ held).
  void list(StoredBlock& block, const std::shared_ptr<StoredBlock>& owning, bool on_device,
            bool oldest = false);
  // Takes the oldest listed block out of `lists` (all of them when `only` is null), uncounting
  // it; null when they are empty (mutex_ held).
  std::shared_ptr<StoredBlock> take_oldest(std::vector<Lru>& lists, const Lru* only);
  // Host spilling after `owner`'s chunk arrived: its own budget first, then the total.
  void enforce_host_budgets(int owner);
  // Spills the oldest host chunks of list `only` (of any list when null) while `more()`.
  std::uint64_t spill_host(const Lru* only, const std::function<bool()>& more);
  std::string spill_stem(std::uint64_t id) const;
  // Counts `bytes` into (or out of, when negative) a total and the owner's share.
  void count(std::atomic<std::uint64_t>& total, std::atomic<std::uint64_t> OwnerBytes::*share,
             int owner, std::int64_t bytes);

  std::uint64_t budget_;
  std::uint64_t chunk_limit_;
  std::string directory_;
  std::unique_ptr<detail::SpillFolder> folder_;  // null without a directory
  SpillCompression compression_;
  int owners_;
  std::unique_ptr<OwnerBytes[]> owner_bytes_;
  std::vector<std::uint64_t> owner_budgets_, device_budgets_;
  std::function<void(const SpillEvent&)> listener_;
  std::mutex mutex_;
  // Blocks in host and in device memory, per owner (slot()), oldest first. The raw pointer stays
  // valid while an expired block waits in forget() for the mutex, so the spiller can unlist it.
  std::vector<Lru> host_lru_, device_lru_;
  std::atomic<std::uint64_t> memory_{0}, spilled_{0}, spilled_file_{0}, spilled_total_{0},
      device_{0}, next_id_{1};
};

/// The block store behind a cluster's Executor::chunk_store(), for its counters (tests, the
/// benchmarks); throws std::invalid_argument when `executor` keeps its chunks another way.
std::shared_ptr<BlockStore> block_store_of(Executor& executor);

}  // namespace tessera
