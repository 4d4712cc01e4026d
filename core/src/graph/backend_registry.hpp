#pragma once
// One value per backend (its array kernels, its worker-context factory): set at start-up for host
// and CUDA, or by a program that defines a backend, and read as tasks are lowered and worker
// threads start. Shared pointers under a lock, so a reader keeps what it read even when the
// value is replaced meanwhile.

#include <fmt/format.h>

#include <array>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string_view>

#include "tessera/backend.hpp"

namespace tessera::detail {

template <class T>
class BackendRegistry {
 public:
  using Values = std::array<std::shared_ptr<const T>, kMaxBackends>;

  explicit BackendRegistry(Values initial = {}) : values_(std::move(initial)) {}

  /// Throws std::invalid_argument naming `backend` when it is past the backends a process has.
  static void require_index(Backend backend, std::string_view what) {
    if (backend_index(backend) >= kMaxBackends)
      throw std::invalid_argument(fmt::format("cannot set {} of backend {}: at most {}", what,
                                              backend_index(backend), kMaxBackends));
  }

  /// Replaces `backend`'s value (null: none); `what` names it in the error for a bad backend.
  void set(Backend backend, std::shared_ptr<const T> value, std::string_view what) {
    require_index(backend, what);
    std::lock_guard lock(mutex_);
    values_[backend_index(backend)] = std::move(value);
  }

  /// `backend`'s value, null when it has none.
  std::shared_ptr<const T> get(Backend backend) const {
    if (backend_index(backend) >= kMaxBackends) return nullptr;
    std::lock_guard lock(mutex_);
    return values_[backend_index(backend)];
  }

  /// Every backend's value, by backend index.
  Values all() const {
    std::lock_guard lock(mutex_);
    return values_;
  }

 private:
  mutable std::mutex mutex_;
  Values values_;
};

}  // namespace tessera::detail
