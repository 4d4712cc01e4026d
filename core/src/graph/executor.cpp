#include "tessera/executor.hpp"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

namespace tessera {
namespace {

struct Registry {
  std::mutex mutex;
  std::vector<std::weak_ptr<Executor>> stack;  // newest last
  std::function<std::shared_ptr<Executor>()> default_factory;
  std::shared_ptr<Executor> default_executor;  // made on first need, kept for the process
};

Registry& registry() {
  static Registry* instance = new Registry();  // never destroyed: usable from atexit handlers
  return *instance;
}

}  // namespace

std::shared_ptr<ChunkStore> Executor::chunk_store() {
  static const std::shared_ptr<ChunkStore> unlimited = in_memory_chunk_store();
  return unlimited;
}

void Computation::rethrow_if_failed() const {
  for (std::size_t k = 0; k < output_count(); ++k)
    if (auto error = output_error(k)) std::rethrow_exception(error);
}

std::shared_ptr<Executor> current_executor() {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  while (!r.stack.empty()) {
    if (auto executor = r.stack.back().lock()) return executor;
    r.stack.pop_back();
  }
  if (!r.default_executor) {
    if (!r.default_factory)
      throw std::logic_error(
          "no cluster to compute on: create a tessera::Client, or include <tessera/tessera.hpp>");
    r.default_executor = r.default_factory();
  }
  return r.default_executor;
}

namespace detail {

void push_executor(const std::shared_ptr<Executor>& executor) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.stack.push_back(executor);
}

void remove_executor(const Executor* executor) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  std::erase_if(r.stack, [&](const std::weak_ptr<Executor>& entry) {
    auto locked = entry.lock();
    return !locked || locked.get() == executor;
  });
}

void set_default_executor_factory(std::function<std::shared_ptr<Executor>()> factory) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.default_factory = std::move(factory);
}

}  // namespace detail
}  // namespace tessera
