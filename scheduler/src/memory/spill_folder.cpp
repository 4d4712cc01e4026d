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

#include "block_store.hpp"
#include "tessera/detail/posix_file.hpp"

namespace tessera {
namespace detail {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kFolderPrefix = "tessera-", kFolderSuffix = "-spill",
                           kLockSuffix = ".lock";

bool is_spill_folder_name(std::string_view name) {
  return name.size() > kFolderPrefix.size() + kFolderSuffix.size() &&
         name.starts_with(kFolderPrefix) && name.ends_with(kFolderSuffix);
}

// Opens `path` (creating it when `create`) and locks it without waiting. Returns the open file,
// or a closed one with errno set: EWOULDBLOCK while someone else holds it. A sweep may unlink a
// lock file between our open and our flock; the lock then guards nothing, so it counts only while
// the path still names the file we locked (else we try again on the file that is there now).
PosixFile lock_file(const std::string& path, bool create) {
  for (int attempt = 0; attempt < 8; ++attempt) {
    PosixFile file(path, O_RDWR | (create ? O_CREAT : 0));
    if (!file.is_open()) return file;
    if (::flock(file.fd(), LOCK_EX | LOCK_NB) != 0) return {};  // errno kept by the close
    struct stat locked {};
    struct stat named {};
    if (::fstat(file.fd(), &locked) == 0 && ::stat(path.c_str(), &named) == 0 &&
        locked.st_dev == named.st_dev && locked.st_ino == named.st_ino)
      return file;
    if (!create) {
      errno = ENOENT;
      return {};
    }
  }
  errno = EAGAIN;
  return {};
}

}  // namespace

std::string spill_folder_lock_path(const std::string& folder) {
  return folder + std::string(kLockSuffix);
}

SpillFolder::~SpillFolder() {
  if (!lock_.is_open()) return;
  // Folder first, lock last: while the folder exists, its lock says it is in use.
  std::error_code ignored;
  fs::remove_all(path_, ignored);
  ::unlink(spill_folder_lock_path(path_).c_str());
  // lock_ closes after this body: the lock goes last.
}

void SpillFolder::create() {
  std::lock_guard guard(mutex_);
  if (lock_.is_open()) return;
  const std::string lock = spill_folder_lock_path(path_);
  std::error_code error;
  const fs::path parent = fs::path(path_).parent_path();
  if (!parent.empty()) fs::create_directories(parent, error);
  if (error)
    throw std::runtime_error(fmt::format("cannot create the directory of spill folder '{}': {}",
                                         path_, error.message()));
  // Lock before the folder exists, so that a sweep never sees the folder unlocked. A sweep in
  // another process holds each lock it tries only for a moment: wait that out, briefly.
  PosixFile locked;
  int failure = 0;
  for (int attempt = 0; attempt < 100; ++attempt) {
    locked = lock_file(lock, /*create=*/true);
    failure = errno;
    if (locked.is_open() || failure != EWOULDBLOCK) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (!locked.is_open())
    throw std::runtime_error(
        failure == EWOULDBLOCK
            ? fmt::format("cannot use spill folder '{}': another live cluster holds its lock '{}'",
                          path_, lock)
            : fmt::format("cannot lock spill folder '{}' (lock file '{}'): {}", path_, lock,
                          std::strerror(failure)));
  fs::create_directory(path_, error);
  if (error) {
    ::unlink(lock.c_str());
    throw std::runtime_error(
        fmt::format("cannot create spill folder '{}': {}", path_, error.message()));
  }
  lock_ = std::move(locked);
}

}  // namespace detail

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
    if (detail::is_spill_folder_name(name)) {
      // A real folder only: never follow a link out of the temporary directory.
      if (fs::symlink_status(path, error).type() != fs::file_type::directory) continue;
      folder = path.string();
    } else if (name.ends_with(detail::kLockSuffix) &&
               detail::is_spill_folder_name(
                   std::string_view(name).substr(0, name.size() - detail::kLockSuffix.size()))) {
      // A lock file whose folder is gone (its owner died between removing the two).
      folder = path.string().substr(0, path.string().size() - detail::kLockSuffix.size());
      if (fs::exists(fs::symlink_status(folder, error))) continue;  // seen with its folder
    } else {
      continue;
    }
    // An owner locks before it makes its folder and unlocks after it removed it, so a stale
    // folder always has its lock file. One without is no stale folder of ours: made by a Tessera
    // before these locks (perhaps still running), or by something else. It stays.
    const std::string lock = detail::spill_folder_lock_path(folder);
    // Not lockable: in use, unlocked (see above), or not ours to judge (another user's).
    const detail::PosixFile locked = detail::lock_file(lock, /*create=*/false);
    if (!locked.is_open()) continue;
    const bool folder_entry = folder == path.string();
    bool gone = true;
    if (folder_entry) {
      fs::remove_all(folder, error);
      gone = !error;
    }
    if (gone) ::unlink(lock.c_str());
    if (gone && folder_entry) removed.push_back(folder);
  }
  return removed;
}

}  // namespace tessera
