#pragma once
// One worker of the scheduler: its queue, counters and threads (shared by the scheduler's
// source files).

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <vector>

#include "scheduler.hpp"
#include "work_queue.hpp"

namespace tessera::scheduler_detail {

struct Scheduler::Worker {
  WorkerSpec spec;
  int index = 0;
  WorkQueue queue;
  std::atomic<std::size_t> executing{0};
  std::atomic<std::uint64_t> finished{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> stolen{0};
  std::atomic<bool> paused{false};
  std::vector<pthread_t> threads;  // filled before any thread runs a task; read for CPU time
};

}  // namespace tessera::scheduler_detail
