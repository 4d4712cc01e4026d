#include "tessera/block_store.hpp"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>

#include "spill_file.hpp"

namespace tessera {

namespace fs = std::filesystem;

namespace {
double epoch_seconds() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
}  // namespace

SpillCompression parse_spill_compression(std::string_view text) {
  if (text == "auto") return SpillCompression::automatic;
  if (text == "lz4") return SpillCompression::lz4;
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

StoredBlock::~StoredBlock() {
  if (auto store = store_.lock()) store->forget(*this);
  if (file_) {
    std::error_code ignored;
    fs::remove(file_->path, ignored);
  }
}

std::shared_ptr<NDArray> StoredBlock::load() {
  spill_detail::SpillFile file;
  {
    std::lock_guard lock(mutex_);
    if (data_) return data_;
    file = *file_;
  }
  std::shared_ptr<BlockStore> store = store_.lock();
  const bool heard = store && store->listener_;
  const double start = heard ? epoch_seconds() : 0;
  auto array = spill_detail::read_spill_file(file, shape_, dtype_, nbytes_);
  if (heard)
    store->listener_({true, id_, owner_, nbytes_, file.file_bytes, start, epoch_seconds()});
  return array;
}

std::uint64_t StoredBlock::spill(const std::string& stem, SpillCompression compression) {
  std::lock_guard lock(mutex_);
  if (!data_) return 0;
  file_ = std::make_unique<spill_detail::SpillFile>(
      spill_detail::write_spill_file(stem, *data_, compression));
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
      directory_(std::move(options.directory)),
      compression_(options.compression),
      owners_(std::max(0, options.owners)),
      owner_bytes_(new OwnerBytes[static_cast<std::size_t>(owners_)]) {}

BlockStore::~BlockStore() {
  std::error_code ignored;
  if (!directory_.empty()) fs::remove_all(directory_, ignored);
}

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

std::uint64_t BlockStore::memory_bytes(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_bytes_[owner].memory.load() : 0;
}

std::uint64_t BlockStore::spilled_bytes(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_bytes_[owner].spilled.load() : 0;
}

std::uint64_t BlockStore::spilled_bytes_total(int owner) const noexcept {
  return owner >= 0 && owner < owners_ ? owner_bytes_[owner].spilled_total.load() : 0;
}

std::shared_ptr<StoredBlock> BlockStore::add(std::shared_ptr<NDArray> data, int owner) {
  if (!data) throw std::invalid_argument("BlockStore::add: null chunk");
  auto block = std::make_shared<StoredBlock>(weak_from_this(), std::move(data),
                                             next_id_.fetch_add(1), owner);
  {
    std::lock_guard lock(mutex_);
    block->lru_ = lru_.insert(lru_.end(), {block.get(), block});
    block->listed_ = true;
    count(memory_, &OwnerBytes::memory, owner, static_cast<std::int64_t>(block->nbytes()));
  }
  if (budget_ > 0) spill_while([this] { return memory_.load() > budget_; });
  return block;
}

std::uint64_t BlockStore::spill_while(const std::function<bool()>& more) {
  std::uint64_t spilled = 0;
  while (more()) {
    std::shared_ptr<StoredBlock> victim;  // owning: its last user may drop it meanwhile
    {
      std::lock_guard lock(mutex_);
      while (!victim && !lru_.empty()) {
        auto [raw, weak] = lru_.front();
        victim = weak.lock();
        // Expired: the block is in its destructor, blocked in forget() on our mutex; unlisting
        // it here makes forget() a no-op.
        raw->listed_ = false;
        count(memory_, &OwnerBytes::memory, raw->owner_, -static_cast<std::int64_t>(raw->nbytes()));
        lru_.pop_front();
      }
      if (!victim) return spilled;
    }
    const auto bytes = static_cast<std::int64_t>(victim->nbytes());
    try {
      fs::create_directories(directory_);
      const double start = listener_ ? epoch_seconds() : 0;
      if (const std::uint64_t file_bytes = victim->spill(spill_stem(victim->id_), compression_)) {
        if (listener_)
          listener_({false, victim->id_, victim->owner_, victim->nbytes(), file_bytes, start,
                     epoch_seconds()});
        count(spilled_, &OwnerBytes::spilled, victim->owner_, bytes);
        count(spilled_total_, &OwnerBytes::spilled_total, victim->owner_, bytes);
        spilled_file_.fetch_add(file_bytes);
        spilled += victim->nbytes();
      }
    } catch (...) {
      std::lock_guard lock(mutex_);  // keep it in memory and accounted; the caller hears why
      victim->lru_ = lru_.insert(lru_.begin(), {victim.get(), victim});
      victim->listed_ = true;
      count(memory_, &OwnerBytes::memory, victim->owner_, bytes);
      throw;
    }
  }
  return spilled;
}

void BlockStore::forget(StoredBlock& block) {
  std::lock_guard lock(mutex_);
  const auto bytes = -static_cast<std::int64_t>(block.nbytes());
  if (block.listed_) {
    lru_.erase(block.lru_);
    block.listed_ = false;
    count(memory_, &OwnerBytes::memory, block.owner_, bytes);
  } else if (!block.data_ && block.file_) {
    count(spilled_, &OwnerBytes::spilled, block.owner_, bytes);
    spilled_file_.fetch_sub(block.file_->file_bytes);
  }
}

}  // namespace tessera
