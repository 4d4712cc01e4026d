#include "tessera/block_store.hpp"

#include <fmt/format.h>

#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

#include "tessera/npy.hpp"

namespace tessera {

namespace fs = std::filesystem;

StoredBlock::StoredBlock(std::weak_ptr<BlockStore> store, std::shared_ptr<NDArray> data,
                         std::uint64_t id)
    : store_(std::move(store)),
      data_(std::move(data)),
      shape_(data_->shape()),
      dtype_(data_->dtype()),
      nbytes_(data_->nbytes()),
      id_(id) {}

StoredBlock::~StoredBlock() {
  if (auto store = store_.lock()) store->forget(*this);
  if (!path_.empty()) {
    std::error_code ignored;
    fs::remove(path_, ignored);
  }
}

std::shared_ptr<NDArray> StoredBlock::load() {
  std::string path;
  {
    std::lock_guard lock(mutex_);
    if (data_) return data_;
    path = path_;
  }
  // Mapped, not read: no copy and no zero-filled pages; MAP_PRIVATE keeps the file unchanged if
  // the caller writes to the array.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw std::runtime_error(
        fmt::format("cannot open spill file '{}': {}", path, std::strerror(errno)));
  const std::size_t length = data_offset_ + nbytes_;
  void* base =
      length ? ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0) : nullptr;
  const int saved = errno;
  ::close(fd);
  if (base == MAP_FAILED)
    throw std::runtime_error(
        fmt::format("cannot map spill file '{}': {}", path, std::strerror(saved)));
  std::shared_ptr<void> owner(base, [length](void* p) {
    if (p) ::munmap(p, length);
  });
  return std::make_shared<NDArray>(shape_, dtype_, owner, static_cast<char*>(base) + data_offset_);
}

bool StoredBlock::spill(const std::string& path) {
  std::lock_guard lock(mutex_);
  if (!data_) return false;
  write_npy(path, *data_);
  data_offset_ = read_npy_header(path).data_offset;
  path_ = path;
  data_.reset();  // readers holding the array keep it alive until they finish
  return true;
}

bool StoredBlock::in_memory() const {
  std::lock_guard lock(mutex_);
  return data_ != nullptr;
}

BlockStore::BlockStore(std::uint64_t budget, std::string directory)
    : budget_(budget), directory_(std::move(directory)) {}

BlockStore::~BlockStore() {
  std::error_code ignored;
  if (!directory_.empty()) fs::remove_all(directory_, ignored);
}

std::string BlockStore::spill_path(std::uint64_t id) const {
  return (fs::path(directory_) / fmt::format("block-{}.npy", id)).string();
}

std::shared_ptr<StoredBlock> BlockStore::add(std::shared_ptr<NDArray> data) {
  if (!data) throw std::invalid_argument("BlockStore::add: null chunk");
  auto block =
      std::make_shared<StoredBlock>(weak_from_this(), std::move(data), next_id_.fetch_add(1));
  {
    std::lock_guard lock(mutex_);
    block->lru_ = lru_.insert(lru_.end(), {block.get(), block});
    block->listed_ = true;
    memory_.fetch_add(block->nbytes());
  }
  spill_until_within_budget();
  return block;
}

void BlockStore::spill_until_within_budget() {
  if (budget_ == 0) return;
  while (memory_.load() > budget_) {
    std::shared_ptr<StoredBlock> victim;  // owning: its last user may drop it meanwhile
    {
      std::lock_guard lock(mutex_);
      while (!victim && !lru_.empty()) {
        auto [raw, weak] = lru_.front();
        victim = weak.lock();
        // Expired: the block is in its destructor, blocked in forget() on our mutex; unlisting
        // it here makes forget() a no-op.
        raw->listed_ = false;
        memory_.fetch_sub(raw->nbytes());
        lru_.pop_front();
      }
      if (!victim) return;
    }
    try {
      fs::create_directories(directory_);
      if (victim->spill(spill_path(victim->id_))) spilled_.fetch_add(victim->nbytes());
    } catch (...) {
      std::lock_guard lock(mutex_);  // keep it in memory and accounted; the caller hears why
      victim->lru_ = lru_.insert(lru_.begin(), {victim.get(), victim});
      victim->listed_ = true;
      memory_.fetch_add(victim->nbytes());
      throw;
    }
  }
}

void BlockStore::forget(StoredBlock& block) {
  std::lock_guard lock(mutex_);
  if (block.listed_) {
    lru_.erase(block.lru_);
    block.listed_ = false;
    memory_.fetch_sub(block.nbytes());
  } else if (!block.data_) {
    spilled_.fetch_sub(block.nbytes());
  }
}

}  // namespace tessera
