#pragma once
// One worker of the scheduler: its queue, counters and threads (shared by the scheduler's
// source files).

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "scheduler.hpp"
#include "work_queue.hpp"

namespace tessera::detail {

struct Scheduler::Worker {
  WorkerInfo spec;  // as started
  int index = 0;
  WorkQueue queue;
  std::atomic<std::size_t> executing{0};
  std::atomic<std::uint64_t> finished{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> stolen{0};
  std::atomic<bool> paused{false};
  /// Set for good once the worker cannot use its device (no stream, or a fault CUDA keeps
  /// reporting): it takes no more tasks. `failure` says why; it is written once, under
  /// failure_mutex, before the flag is set.
  std::atomic<bool> broken{false};
  mutable std::mutex failure_mutex;
  std::string failure;
  std::vector<pthread_t> threads;  // filled before any thread runs a task; read for CPU time
};

}  // namespace tessera::detail
