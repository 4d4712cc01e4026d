#include "block_store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "spill_file.hpp"
#include "spill_folder.hpp"

namespace tessera {

namespace fs = std::filesystem;

namespace {
double epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

SpillCompression parse_spill_compression(std::string_view text) {
  if (text == "auto") return SpillCompression::automatic;
  if (text == "lz4") {
    if (!TESSERA_HAVE_LZ4)
      throw std::invalid_argument(
          "spill_compression 'lz4' needs LZ4, and this Tessera was built without it "
          "(TESSERA_WITH_LZ4=OFF): use \"auto\" (uncompressed here) or \"none\"");
    return SpillCompression::lz4;
  }
  if (text == "none" || text == "false") return SpillCompression::none;
  throw std::invalid_argument(
      fmt::format("invalid spill_compression '{}': expected \"auto\", \"lz4\" or \"none\"", text));
}

StoredBlock::StoredBlock(std::weak_ptr<BlockStore> store, std::shared_ptr<NDArray> data,
                         std::uint64_t id, int owner)
    : store_(std::move(store)),
      data_(std::move(data)),
      shape_(data_->shape()),
      dtype_(data_->dtype()),
      nbytes_(data_->nbytes()),
      id_(id),
      owner_(owner) {}

StoredBlock::StoredBlock(std::weak_ptr<BlockStore> store, std::shared_ptr<DeviceArray> data,
                         std::uint64_t id)
    : store_(std::move(store)),
      device_(std::move(data)),
      shape_(device_->shape()),
      dtype_(device_->dtype()),
      nbytes_(device_->nbytes()),
      id_(id),
      owner_(device_->owner()) {}

StoredBlock::~StoredBlock() {
  if (auto store = store_.lock()) store->forget(*this);
  if (file_) {
    std::error_code ignored;
    fs::remove(file_->path, ignored);
  }
}

std::shared_ptr<NDArray> StoredBlock::load() {
  detail::SpillFile file;
  std::shared_ptr<DeviceArray> device;
  {
    std::lock_guard lock(mutex_);
    if (data_) return data_;
    if (device_)
      device = device_;
    else
      file = *file_;
  }
  if (device) return std::make_shared<NDArray>(device->to_host());
  std::shared_ptr<BlockStore> store = store_.lock();
  const bool heard = store && store->listener_;
  const double start = heard ? epoch_seconds() : 0;
  auto array = detail::read_spill_file(file, shape_, dtype_, nbytes_);
  if (heard)
    store->listener_({true, false, id_, owner_, nbytes_, file.file_bytes, start, epoch_seconds()});
  return array;
}

std::shared_ptr<DeviceArray> StoredBlock::on_device() const {
  std::lock_guard lock(mutex_);
  return device_;
}

bool StoredBlock::move_to_host() {
  std::shared_ptr<DeviceArray> device;
  {
    std::lock_guard lock(mutex_);
    if (!device_) return false;
    device = device_;
  }
  // Copied without the lock: readers meanwhile copy from the device themselves.
  auto host = std::make_shared<NDArray>(device->to_host());
  std::lock_guard lock(mutex_);
  data_ = std::move(host);
  device_.reset();  // frees the device memory unless a reader still holds it
  return true;
}

std::uint64_t StoredBlock::spill(const std::string& stem, SpillCompression compression) {
  std::lock_guard lock(mutex_);
  if (!data_) return 0;
  file_ = std::make_unique<detail::SpillFile>(detail::write_spill_file(stem, *data_, compression));
  data_.reset();  // readers holding the array keep it alive until they finish
  return file_->file_bytes;
}

bool StoredBlock::in_memory() const {
  std::lock_guard lock(mutex_);
  return data_ != nullptr;
}

bool StoredBlock::compressed() const {
  std::lock_guard lock(mutex_);
  return file_ && file_->compressed;
}

BlockStore::BlockStore(BlockStoreOptions options)
    : budget_(options.budget),
      chunk_limit_(options.chunk_limit),
      directory_(std::move(options.directory)),
      folder_(directory_.empty() ? nullptr : std::make_unique<detail::SpillFolder>(directory_)),
      compression_(options.compression),
      owners_(std::max(0, options.owners)),
      owner_bytes_(new OwnerBytes[static_cast<std::size_t>(owners_)]),
      owner_budgets_(std::move(options.owner_budgets)),
      device_budgets_(std::move(options.device_budgets)),
      host_lru_(static_cast<std::size_t>(owners_) + 1),
      device_lru_(static_cast<std::size_t>(owners_) + 1) {
  owner_budgets_.resize(static_cast<std::size_t>(owners_), 0);
  device_budgets_.resize(static_cast<std::size_t>(owners_), 0);
}

// folder_ removes the spill folder (if one was made) with its lock.
BlockStore::~BlockStore() = default;

std::string BlockStore::spill_stem(std::uint64_t id) const {
  return (fs::path(directory_) / fmt::format("block-{}", id)).string();
}

void BlockStore::count(std::atomic<std::uint64_t>& total,
                       std::atomic<std::uint64_t> OwnerBytes::*share, int owner,
                       std::int64_t bytes) {
  total.fetch_add(static_cast<std::uint64_t>(bytes));  // wraps back for negative amounts
  if (owner >= 0 && owner < owners_)
    (owner_bytes_[owner].*share).fetch_add(static_cast<std::uint64_t>(bytes));
}

std::uint64_t BlockStore::owner_budget(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_budgets_[static_cast<std::size_t>(owner)] : 0;
}

std::uint64_t BlockStore::device_budget(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? device_budgets_[static_cast<std::size_t>(owner)] : 0;
}

std::uint64_t BlockStore::memory_bytes(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_bytes_[owner].memory.load() : 0;
}

std::uint64_t BlockStore::spilled_bytes(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_bytes_[owner].spilled.load() : 0;
}

std::uint64_t BlockStore::spilled_bytes_total(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_bytes_[owner].spilled_total.load() : 0;
}

std::uint64_t BlockStore::device_bytes(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_bytes_[owner].device.load() : 0;
}

std::uint64_t BlockStore::device_spilled_bytes_total(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_bytes_[owner].device_spilled_total.load() : 0;
}

void BlockStore::count_in_tier(const StoredBlock& block, bool on_device, int sign) {
  count(on_device ? device_ : memory_, on_device ? &OwnerBytes::device : &OwnerBytes::memory,
        block.owner_, sign * static_cast<std::int64_t>(block.nbytes()));
}

void BlockStore::list(StoredBlock& block, const std::shared_ptr<StoredBlock>& owning,
                      bool on_device, bool oldest) {
  Lru& lru = on_device ? device_list(block.owner_) : host_list(block.owner_);
  block.lru_ = lru.insert(oldest ? lru.begin() : lru.end(), {&block, owning});
  block.listed_ = true;
  block.listed_on_device_ = on_device;
  count_in_tier(block, on_device, +1);
}

std::shared_ptr<StoredBlock> BlockStore::take_oldest(std::vector<Lru>& lists, const Lru* only) {
  for (;;) {
    Lru* oldest = nullptr;  // the list whose first block was stored first
    for (Lru& lru : lists)
      if (!lru.empty() && (!only || &lru == only) &&
          (!oldest || lru.front().first->id_ < oldest->front().first->id_))
        oldest = &lru;
    if (!oldest) return nullptr;
    auto [raw, weak] = oldest->front();
    // Expired: the block is in its destructor, blocked in forget() on our mutex; unlisting it
    // here makes forget() a no-op.
    raw->listed_ = false;
    count_in_tier(*raw, raw->listed_on_device_, -1);
    oldest->pop_front();
    if (auto victim = weak.lock()) return victim;
  }
}

std::shared_ptr<StoredBlock> BlockStore::add(std::shared_ptr<NDArray> data, int owner) {
  if (!data) throw std::invalid_argument("BlockStore::add: null chunk");
  auto block = std::make_shared<StoredBlock>(weak_from_this(), std::move(data),
                                             next_id_.fetch_add(1), owner);
  {
    std::lock_guard lock(mutex_);
    list(*block, block, false);
  }
  enforce_host_budgets(owner);
  return block;
}

std::shared_ptr<StoredBlock> BlockStore::add(std::shared_ptr<DeviceArray> data) {
  if (!data) throw std::invalid_argument("BlockStore::add: null device chunk");
  const int owner = data->owner();
  const std::uint64_t budget = device_budget(owner);
  auto block =
      std::make_shared<StoredBlock>(weak_from_this(), std::move(data), next_id_.fetch_add(1));
  if (budget > 0 && block->nbytes() > budget) {  // can never fit: straight to host memory
    move_to_host_tier(block);
    enforce_host_budgets(owner);
    return block;
  }
  {
    std::lock_guard lock(mutex_);
    list(*block, block, true);
  }
  make_device_room(owner, 0);
  return block;
}

std::uint64_t BlockStore::make_device_room(int owner, std::uint64_t bytes) {
  const std::uint64_t budget = device_budget(owner);
  if (budget == 0) return 0;
  std::uint64_t moved = 0;
  while (device_bytes(owner) + bytes > budget) {
    std::shared_ptr<StoredBlock> victim;
    {
      std::lock_guard lock(mutex_);
      victim = take_oldest(device_lru_, &device_list(owner));
    }
    if (!victim) break;
    try {
      move_to_host_tier(victim);
    } catch (...) {
      std::lock_guard lock(mutex_);  // keep it on the device and accounted; the caller hears why
      list(*victim, victim, true, /*oldest=*/true);
      throw;
    }
    moved += victim->nbytes();
    enforce_host_budgets(owner);  // host memory, too, stays within its budgets as chunks arrive
  }
  return moved;
}

void BlockStore::move_to_host_tier(const std::shared_ptr<StoredBlock>& block) {
  const double start = listener_ ? epoch_seconds() : 0;
  block->move_to_host();
  {
    std::lock_guard lock(mutex_);
    list(*block, block, false);
  }
  // Only chunks of an owner with a device budget get here: the owner is a known worker.
  owner_bytes_[block->owner_].device_spilled_total.fetch_add(block->nbytes());
  if (listener_)
    listener_({false, true, block->id_, block->owner_, block->nbytes(), 0, start, epoch_seconds()});
}

void BlockStore::enforce_host_budgets(int owner) {
  if (const std::uint64_t own = owner_budget(owner); own > 0) {
    const Lru* mine = &host_list(owner);
    spill_host(mine, [&] { return memory_bytes(owner) > own; });
  }
  if (budget_ > 0) spill_host(nullptr, [this] { return memory_.load() > budget_; });
}

std::uint64_t BlockStore::spill_while(const std::function<bool()>& more) {
  return spill_host(nullptr, more);
}

std::uint64_t BlockStore::spill_host(const Lru* only, const std::function<bool()>& more) {
  std::uint64_t spilled = 0;
  while (more()) {
    std::shared_ptr<StoredBlock> victim;  // owning: its last user may drop it meanwhile
    {
      std::lock_guard lock(mutex_);
      victim = take_oldest(host_lru_, only);
    }
    if (!victim) return spilled;
    const auto bytes = static_cast<std::int64_t>(victim->nbytes());
    try {
      if (!folder_)
        throw std::runtime_error("cannot spill: the block store has no spill directory");
      folder_->create();
      const double start = listener_ ? epoch_seconds() : 0;
      if (const std::uint64_t file_bytes = victim->spill(spill_stem(victim->id_), compression_)) {
        if (listener_)
          listener_({false, false, victim->id_, victim->owner_, victim->nbytes(), file_bytes, start,
                     epoch_seconds()});
        count(spilled_, &OwnerBytes::spilled, victim->owner_, bytes);
        count(spilled_total_, &OwnerBytes::spilled_total, victim->owner_, bytes);
        spilled_file_.fetch_add(file_bytes);
        spilled += victim->nbytes();
      }
    } catch (...) {
      std::lock_guard lock(mutex_);  // keep it in memory and accounted; the caller hears why
      list(*victim, victim, false, /*oldest=*/true);
      throw;
    }
  }
  return spilled;
}

void BlockStore::forget(StoredBlock& block) {
  std::lock_guard lock(mutex_);
  if (block.listed_) {
    const bool on_device = block.listed_on_device_;
    (on_device ? device_list(block.owner_) : host_list(block.owner_)).erase(block.lru_);
    block.listed_ = false;
    count_in_tier(block, on_device, -1);
  } else if (!block.data_ && !block.device_ && block.file_) {
    count(spilled_, &OwnerBytes::spilled, block.owner_, -static_cast<std::int64_t>(block.nbytes()));
    spilled_file_.fetch_sub(block.file_->file_bytes);
  }
}

std::shared_ptr<BlockStore> block_store_of(Executor& executor) {
  auto store = std::dynamic_pointer_cast<BlockStore>(executor.chunk_store());
  if (!store)
    throw std::invalid_argument("block_store_of: the executor keeps its chunks in another store");
  return store;
}

}  // namespace tessera
