#pragma once
// Runs a function on a thread with a small stack, so that a test of deep expressions fails on any
// recursion along the expression, not only on one deep enough to exhaust the usual 8 MiB.

#include <pthread.h>

#include <cstddef>
#include <exception>
#include <functional>
#include <stdexcept>
#include <string>

namespace tessera::test_support {

/// Calls `body` on a new thread whose stack is `stack_bytes`, waits for it and rethrows what it
/// threw.
inline void run_on_stack(std::size_t stack_bytes, const std::function<void()>& body) {
  struct Call {
    const std::function<void()>* body;
    std::exception_ptr error;
  } call{&body, nullptr};
  pthread_attr_t attributes;
  pthread_attr_init(&attributes);
  pthread_attr_setstacksize(&attributes, stack_bytes);
  pthread_t thread;
  const int started = pthread_create(
      &thread, &attributes,
      [](void* argument) -> void* {
        auto* call = static_cast<Call*>(argument);
        try {
          (*call->body)();
        } catch (...) {
          call->error = std::current_exception();
        }
        return nullptr;
      },
      &call);
  pthread_attr_destroy(&attributes);
  if (started != 0)
    throw std::runtime_error("run_on_stack: pthread_create failed: " + std::to_string(started));
  pthread_join(thread, nullptr);
  if (call.error) std::rethrow_exception(call.error);
}

}  // namespace tessera::test_support
