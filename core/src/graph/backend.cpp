#include "tessera/backend.hpp"

#include <fmt/format.h>

#include <array>
#include <mutex>
#include <stdexcept>

namespace tessera {
namespace {

// Names are written once, under the mutex, and never change: the views handed out stay valid,
// also during exit (the registry is never destroyed; worker threads name their backend).
struct Registry {
  std::mutex mutex;
  std::array<std::string, kMaxBackends> names{"host", "cuda"};
  std::size_t count = 2;
};

Registry& registry() {
  static auto* instance = new Registry();
  return *instance;
}

}  // namespace

Backend define_backend(std::string_view name) {
  if (name.empty()) throw std::invalid_argument("a backend needs a name, got an empty one");
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  for (std::size_t b = 0; b < r.count; ++b)
    if (r.names[b] == name) return static_cast<Backend>(b);
  if (r.count == kMaxBackends)
    throw std::length_error(
        fmt::format("cannot define backend '{}': all {} backends are taken", name, kMaxBackends));
  r.names[r.count] = std::string(name);
  return static_cast<Backend>(r.count++);
}

std::string_view backend_name(Backend backend) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  if (backend_index(backend) < r.count) return r.names[backend_index(backend)];
  static const auto* kUndefinedNames = [] {  // never destroyed, as the registry
    auto* names = new std::array<std::string, kMaxBackends>();
    for (std::size_t b = 0; b < kMaxBackends; ++b) (*names)[b] = fmt::format("backend {}", b);
    return names;
  }();
  return backend_index(backend) < kMaxBackends
             ? std::string_view((*kUndefinedNames)[backend_index(backend)])
             : std::string_view("backend out of range");
}

std::string BackendSet::names() const {
  std::string text;
  for_each([&](Backend backend) {
    if (!text.empty()) text += ", ";
    text += backend_name(backend);
  });
  return text.empty() ? "none" : text;
}

}  // namespace tessera
