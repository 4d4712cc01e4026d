#pragma once
// A spill folder marked as owned by a live process, as Dask marks its worker directories: a lock
// file beside it ("<folder>.lock"), held with flock(2) for as long as the folder is in use. The
// kernel drops the lock when the process ends however it ends (SIGINT, SIGKILL, a crash), so a
// folder whose lock can be taken is stale and may be removed (remove_stale_spill_folders).

#include <mutex>
#include <string>

#include "tessera/detail/posix_file.hpp"

namespace tessera::detail {

class SpillFolder {
 public:
  /// Creates nothing yet: the folder and its lock appear on the first create().
  explicit SpillFolder(std::string path) : path_(std::move(path)) {}
  /// Removes the folder, then its lock file, then lets the lock go.
  ~SpillFolder();
  SpillFolder(const SpillFolder&) = delete;
  SpillFolder& operator=(const SpillFolder&) = delete;

  /// Takes the lock and creates the folder, the first time; thread-safe. Throws
  /// std::runtime_error naming the folder when it cannot, or when another live owner holds it.
  void create();
  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  // Not std::call_once: after a failed (throwing) attempt, ThreadSanitizer's pthread_once
  // blocks every later call for good.
  std::mutex mutex_;
  PosixFile lock_;  // open once created
};

/// The lock file of spill folder `folder`.
std::string spill_folder_lock_path(const std::string& folder);

}  // namespace tessera::detail
