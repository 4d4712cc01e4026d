#pragma once
// Backends: the kinds of place that run tasks. A task carries one function per backend it can
// run on, and the scheduler keeps its queues and counters per backend, so a new kind of place (a
// test's simulated device, later others) is a definition here and a worker of that kind, not an
// edit across the layers.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace tessera {

/// A kind of place that runs tasks. `host`: CPU threads (Kokkos host kernels); `cuda`: a CUDA
/// device and its streams. Programs define more with define_backend(); the values after these
/// are theirs.
enum class Backend : std::uint8_t { host = 0, cuda = 1 };

/// How many backends a process may define in all, host and cuda included. Fixed and small: tasks
/// hold their functions and the scheduler its queues in arrays of this size, which keeps a task's
/// function one index away.
inline constexpr std::size_t kMaxBackends = 4;

constexpr std::size_t backend_index(Backend backend) noexcept {
  return static_cast<std::size_t>(backend);
}

/// The backend named `name`, defined now unless it exists. Throws std::invalid_argument for an
/// empty name and std::length_error naming `name` when all kMaxBackends are taken.
Backend define_backend(std::string_view name);

/// "host", "cuda", or the name the backend was defined with ("backend <n>" for one never defined).
std::string_view backend_name(Backend backend);

/// A set of backends: where a task may run, which kinds a cluster has.
class BackendSet {
 public:
  constexpr BackendSet() = default;
  constexpr BackendSet(std::initializer_list<Backend> backends) {
    for (Backend backend : backends) insert(backend);
  }
  /// Every backend, defined or not.
  static constexpr BackendSet all() { return BackendSet((1u << kMaxBackends) - 1); }

  constexpr bool contains(Backend backend) const noexcept {
    return (bits_ >> backend_index(backend)) & 1u;
  }
  constexpr void insert(Backend backend) noexcept {
    bits_ = static_cast<std::uint8_t>(bits_ | (1u << backend_index(backend)));
  }
  constexpr void erase(Backend backend) noexcept {
    bits_ = static_cast<std::uint8_t>(bits_ & ~(1u << backend_index(backend)));
  }
  constexpr bool empty() const noexcept { return bits_ == 0; }
  constexpr BackendSet operator&(BackendSet other) const noexcept {
    return BackendSet(bits_ & other.bits_);
  }
  constexpr BackendSet operator|(BackendSet other) const noexcept {
    return BackendSet(bits_ | other.bits_);
  }
  constexpr bool operator==(const BackendSet&) const = default;

  /// Calls f(backend) for each member, in index order.
  template <class F>
  constexpr void for_each(F&& f) const {
    for (std::size_t b = 0; b < kMaxBackends; ++b)
      if ((bits_ >> b) & 1u) f(static_cast<Backend>(b));
  }
  /// The members' names, "host, cuda" ("none" when empty): for error messages.
  std::string names() const;

 private:
  constexpr explicit BackendSet(unsigned bits) : bits_(static_cast<std::uint8_t>(bits)) {}
  std::uint8_t bits_ = 0;
  static_assert(kMaxBackends <= 8, "BackendSet keeps one bit per backend in a byte");
};

}  // namespace tessera
