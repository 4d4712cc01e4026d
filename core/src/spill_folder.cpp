#include "spill_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tessera/block_store.hpp"

namespace tessera {
namespace spill_detail {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view folder_prefix = "tessera-", folder_suffix = "-spill",
                           lock_suffix = ".lock";

bool is_spill_folder_name(std::string_view name) {
  return name.size() > folder_prefix.size() + folder_suffix.size() &&
         name.starts_with(folder_prefix) && name.ends_with(folder_suffix);
}

// Opens `path` (creating it when `create`) and locks it without waiting. Returns the descriptor,
// or -1 with errno set: EWOULDBLOCK while someone else holds it. A sweep may unlink a lock file
// between our open and our flock; the lock then guards nothing, so it counts only while the path
// still names the file we locked (else we try again on the file that is there now).
int lock_file(const std::string& path, bool create) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC | (create ? O_CREAT : 0), 0600);
    if (fd < 0) return -1;
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int saved = errno;
      ::close(fd);
      errno = saved;
      return -1;
    }
    struct stat locked {};
    struct stat named {};
    if (::fstat(fd, &locked) == 0 && ::stat(path.c_str(), &named) == 0 &&
        locked.st_dev == named.st_dev && locked.st_ino == named.st_ino)
      return fd;
    ::close(fd);
    if (!create) {
      errno = ENOENT;
      return -1;
    }
  }
  errno = EAGAIN;
  return -1;
}

}  // namespace

std::string spill_folder_lock_path(const std::string& folder) {
  return folder + std::string(lock_suffix);
}

SpillFolder::~SpillFolder() {
  if (lock_fd_ < 0) return;
  // Folder first, lock last: while the folder exists, its lock says it is in use.
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  ::unlink(spill_folder_lock_path(path_).c_str());
  ::close(lock_fd_);
}

void SpillFolder::create() {
  std::lock_guard guard(mutex_);
  if (lock_fd_ >= 0) return;
  const std::string lock = spill_folder_lock_path(path_);
  std::error_code error;
  const fs::path parent = fs::path(path_).parent_path();
  if (!parent.empty()) fs::create_directories(parent, error);
  if (error)
    throw std::runtime_error(fmt::format("cannot create the directory of spill folder '{}': {}",
                                         path_, error.message()));
  // Lock before the folder exists, so that a sweep never sees the folder unlocked. A sweep in
  // another process holds each lock it tries only for a moment: wait that out, briefly.
  int fd = -1, failure = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    fd = lock_file(lock, /*create=*/true);
    failure = errno;
    if (fd >= 0 || failure != EWOULDBLOCK) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (fd < 0)
    throw std::runtime_error(
        failure == EWOULDBLOCK
            ? fmt::format("cannot use spill folder '{}': another live cluster holds its lock '{}'",
                          path_, lock)
            : fmt::format("cannot lock spill folder '{}' (lock file '{}'): {}", path_, lock,
                          std::strerror(failure)));
  fs::create_directory(path_, error);
  if (error) {
    ::unlink(lock.c_str());
    ::close(fd);
    throw std::runtime_error(
        fmt::format("cannot create spill folder '{}': {}", path_, error.message()));
  }
  lock_fd_ = fd;
}

}  // namespace spill_detail

std::vector<std::string> remove_stale_spill_folders(const std::string& directory) {
  namespace fs = std::filesystem;
  std::vector<std::string> removed;
  std::error_code error;
  fs::directory_iterator entries(directory, fs::directory_options::skip_permission_denied, error);
  if (error) return removed;  // no such directory yet: nothing is stale there
  std::vector<fs::path> candidates;
  for (const auto& entry : entries) candidates.push_back(entry.path());
  for (const fs::path& path : candidates) {
    const std::string name = path.filename().string();
    std::string folder;
    if (spill_detail::is_spill_folder_name(name)) {
      // A real folder only: never follow a link out of the temporary directory.
      if (fs::symlink_status(path, error).type() != fs::file_type::directory) continue;
      folder = path.string();
    } else if (name.ends_with(spill_detail::lock_suffix) &&
               spill_detail::is_spill_folder_name(std::string_view(name).substr(
                   0, name.size() - spill_detail::lock_suffix.size()))) {
      // A lock file whose folder is gone (its owner died between removing the two).
      folder = path.string().substr(0, path.string().size() - spill_detail::lock_suffix.size());
      if (fs::exists(fs::symlink_status(folder, error))) continue;  // seen with its folder
    } else {
      continue;
    }
    // An owner locks before it makes its folder and unlocks after it removed it, so a stale
    // folder always has its lock file. One without is no stale folder of ours: made by a Tessera
    // before these locks (perhaps still running), or by something else. It stays.
    const std::string lock = spill_detail::spill_folder_lock_path(folder);
    const int fd = spill_detail::lock_file(lock, /*create=*/false);
    if (fd < 0) continue;  // in use, unlocked (see above), or not ours to judge (another user's)
    const bool folder_entry = folder == path.string();
    bool gone = true;
    if (folder_entry) {
      fs::remove_all(folder, error);
      gone = !error;
    }
    if (gone) ::unlink(lock.c_str());
    ::close(fd);
    if (gone && folder_entry) removed.push_back(folder);
  }
  return removed;
}

}  // namespace tessera
