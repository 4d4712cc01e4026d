#include "scheduler.hpp"

#include <fmt/format.h>
#include <pthread.h>

#include <time.h>

#include <algorithm>
#include <chrono>
#include <stdexcept>
#include <system_error>
#include <unordered_map>

#include "placement.hpp"
#include "scheduler_worker.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/device_array.hpp"
#include "tessera/diagnostics/bus.hpp"
#include "tessera/errors.hpp"
#include "thread_start_error.hpp"

namespace tessera::detail {

thread_local CurrentThread current_thread;

namespace {
std::atomic<std::uint64_t> next_run_id{1};

// Set on the thread of a task that stopped its own scheduler: holds the scheduler until that
// thread is done with it, whoever else lets go of it meanwhile.
thread_local std::shared_ptr<Scheduler> closing_task_keeps_alive;

double thread_cpu_seconds(pthread_t thread) {
  clockid_t clock;
  timespec ts{};
  if (pthread_getcpuclockid(thread, &clock) != 0 || clock_gettime(clock, &ts) != 0) return 0;
  return static_cast<double>(ts.tv_sec) + ts.tv_nsec * 1e-9;
}
}  // namespace

Scheduler::Scheduler(std::vector<WorkerInfo> workers, std::string name,
                     std::shared_ptr<BlockStore> store, double pause_fraction)
    : specs_(std::move(workers)),
      name_(std::move(name)),
      store_(store ? std::move(store)
                   : std::make_shared<BlockStore>(
                         BlockStoreOptions{.owners = static_cast<int>(specs_.size())})),
      pause_fraction_(pause_fraction) {
  if (specs_.empty()) throw std::invalid_argument("a cluster needs at least one worker, got 0");
  for (std::size_t w = 0; w < specs_.size(); ++w) {
    if (backend_index(specs_[w].backend) >= kMaxBackends)
      throw std::invalid_argument(fmt::format("worker {} has backend {}, out of range (at most {})",
                                              specs_[w].name, backend_index(specs_[w].backend),
                                              kMaxBackends));
    backends_.insert(specs_[w].backend);
    if (specs_[w].threads < 1)
      throw std::invalid_argument(fmt::format("worker {} needs at least one thread, got {}",
                                              specs_[w].name, specs_[w].threads));
    auto worker = std::make_unique<Worker>();
    worker->spec = specs_[w];
    worker->index = static_cast<int>(w);
    workers_.push_back(std::move(worker));
  }
  memory_ = std::make_shared<MemoryCounters>(specs_.size());
  store_->set_listener(spill_publisher());
  start_threads();
}

void Scheduler::start_threads() {
  std::unique_lock start_lock(start_mutex_);  // threads wait here until every handle is recorded
  int started = 0, total = 0;
  for (const auto& spec : specs_) total += spec.threads;
  for (std::size_t w = 0; w < specs_.size(); ++w)
    for (int t = 0; t < specs_[w].threads; ++t) {
      try {
        threads_.emplace_back([this, w, t] {
          thread_main(static_cast<int>(w), t);
          // Last, and touching no member: this may destroy the scheduler (see stop()).
          closing_task_keeps_alive.reset();
        });
      } catch (const std::system_error& e) {
        // Destroying the joinable threads would end the process (std::terminate): those started
        // see the flag once released, and exit before running anything.
        stopping_.store(true);
        start_lock.unlock();
        join_threads();
        throw thread_start_error(
            e, fmt::format("thread {} of worker {} ({} of the cluster's {} worker threads "
                           "started, now stopped again)",
                           t, specs_[w].name, started, total));
      }
      workers_[w]->threads.push_back(threads_.back().native_handle());
      ++started;
    }
}

Scheduler::~Scheduler() {
  stop();
  // Left joinable only when the last reference was the one the thread of a task that closed the
  // cluster held (see stop()), dropped as that thread ends: it cannot join itself, and touches
  // nothing of the scheduler any more.
  for (auto& thread : threads_)
    if (thread.joinable()) thread.detach();
}

std::vector<WorkerInfo> Scheduler::workers() const {
  std::vector<WorkerInfo> workers;
  for (std::size_t w = 0; w < workers_.size(); ++w) workers.push_back(stats(static_cast<int>(w)));
  return workers;
}

WorkerInfo Scheduler::stats(int worker) const {
  const Worker& w = *workers_.at(worker);
  WorkerInfo stats = w.spec;
  stats.queued = w.queue.size();
  stats.executing = w.executing.load();
  stats.finished = w.finished.load();
  stats.failed = w.failed.load();
  stats.stolen = w.stolen.load();
  stats.memory = memory_->held[worker].load(std::memory_order_relaxed);
  stats.paused = w.paused.load();
  {
    std::lock_guard lock(w.failure_mutex);
    stats.failure = w.failure;
  }
  {
    std::lock_guard lock(store_mutex_);
    if (store_) {
      stats.stored = store_->memory_bytes(worker);
      stats.spilled = store_->spilled_bytes(worker);
      stats.spilled_total = store_->spilled_bytes_total(worker);
      stats.device_bytes = store_->device_bytes(worker);
      stats.device_spilled_total = store_->device_spilled_bytes_total(worker);
    }
  }
  if (!stopping_.load())
    for (pthread_t thread : w.threads) stats.cpu_seconds += thread_cpu_seconds(thread);
  return stats;
}

std::uint64_t Scheduler::store_result(const RunState& run, std::uint32_t task, int worker,
                                      BlockStore* store, std::uint64_t nbytes, Value& value) {
  // Array chunks that others read later go into the block store, where they count against the
  // memory target with the persisted chunks and spill least recently stored first, as Dask's
  // workers spill their data; small values (reduction partials) stay, not worth a file.
  if (nbytes < kMinStoredResultBytes || !store || store->budget() == 0 || !run.may_store(task))
    return nbytes;
  const Value::HostChunk* chunk = value.host_chunk();
  if (!chunk || !*chunk) return nbytes;
  std::shared_ptr<NDArray> array = *chunk;
  // Consumers read it back as the host chunk it was (RunState::inputs loads stored chunks).
  value = store->add(std::move(array), worker);
  return 0;  // the store counts it now
}

Scheduler::ThreadBuffers Scheduler::thread_buffers() const {
  ThreadBuffers buffers;
  std::lock_guard lock(store_mutex_);
  buffers.store = store_;
  return buffers;
}

bool Scheduler::settle_device_result(const RunState& run, std::uint32_t task, BlockStore* store,
                                     Value& value) {
  const Value::DeviceChunk* chunk = value.device_chunk();
  if (!chunk || !*chunk) return false;
  std::shared_ptr<DeviceArray> device = *chunk;
  // A chunk a later task reads stays on its device, in the store's device tier, which moves it
  // to host memory when the device is over its budget (dask-cuda's device spilling). Persist's
  // keepers store it themselves. Anything else (outputs, other consumers' inputs when there is
  // no device budget) is copied to host memory now, so every other task sees host arrays.
  if (store && store->device_budget(device->owner()) > 0 && run.may_store(task)) {
    value = store->add(std::move(device));
    return true;
  }
  if (run.only_stored_by_consumers(task)) return true;
  value = std::make_shared<NDArray>(device->to_host());
  return false;
}

void Scheduler::release_run(RunState& run) {
  // Whoever finishes a run drops the scheduler's reference last.
  std::shared_ptr<RunState> release = std::move(run.keep_alive);
}

std::shared_ptr<BlockStore> Scheduler::block_store() {
  std::lock_guard lock(store_mutex_);
  if (!store_) throw ClosedError("cannot compute or persist: the cluster is closed");
  return store_;
}

std::shared_ptr<Computation> Scheduler::submit(Graph graph) {
  return start(std::move(graph), {});
}

std::shared_ptr<RunState> Scheduler::start(Graph graph, RunHooks hooks) {
  if (stopping_.load()) throw ClosedError("cannot compute: the cluster is closed");
  if ((graph.common_backends & backends_).empty())
    for (const TaskNode* task : graph.tasks)  // name the first task that cannot run
      if (!task->external() && (task->backends() & backends_).empty())
        throw std::invalid_argument(
            fmt::format("task {} runs only on {} workers and the cluster has none (it has {})",
                        task->key(), task->backends().names(), backends_.names()));
  auto run = std::make_shared<RunState>(std::move(graph), this, memory_, next_run_id.fetch_add(1),
                                        std::move(hooks));
  if (run->graph().size() == 0) return run;
  if (diagnostics::Bus::instance().active()) publish_run(*run, false);
  run->keep_alive = run;
  ThreadBuffers buffers;
  auto ready = run->initial_ready();
  enqueue(-1, *run, ready, buffers);
  return run;
}

void Scheduler::deliver(RunState& run, std::span<std::pair<std::uint32_t, Value>> values) {
  ThreadBuffers buffers;
  bool finished = false;
  // Delivered values count against no worker: they arrived, nobody here computed them.
  for (auto& [task, value] : values)
    finished |= run.finish(task, std::move(value), 0, -1, buffers.ready);
  enqueue(-1, run, buffers.ready, buffers);
  if (finished) release_run(run);
}

void Scheduler::deliver_failure(RunState& run, std::uint32_t task, std::exception_ptr error) {
  if (run.fail_delivered(task, std::move(error))) release_run(run);
}

int Scheduler::preferred_worker(const RunState& run, std::uint32_t task, int from_worker) const {
  auto dependencies = run.graph().dependencies(task);
  if (dependencies.size() <= 1) return from_worker;
  // Data location: the worker that produced most of the inputs.
  std::vector<std::uint32_t> held(workers_.size(), 0);
  for (std::uint32_t d : dependencies)
    if (int w = run.location(d); w >= 0) ++held[w];
  auto most = std::max_element(held.begin(), held.end());
  return *most == 0 ? from_worker : static_cast<int>(most - held.begin());
}

void Scheduler::enqueue(int from_worker, RunState& run, std::span<const std::uint32_t> ready,
                        ThreadBuffers& buffers) {
  if (ready.empty()) return;
  std::vector<WorkerInfo>& loads = buffers.loads;
  loads.clear();
  buffers.load_worker.clear();
  buffers.worker_load.assign(workers_.size(), -1);
  for (const auto& w : workers_) {
    if (w->broken.load()) continue;  // a failed worker gets nothing more
    buffers.worker_load[w->index] = static_cast<int>(loads.size());
    buffers.load_worker.push_back(w->index);
    WorkerInfo& load = loads.emplace_back();
    load.backend = w->spec.backend;
    load.threads = w->spec.threads;
    load.queued = w->queue.size();
    load.executing = w->executing.load();
  }

  // Group by target so each queue is locked once per batch.
  std::vector<std::vector<TaskRef>>& per_worker = buffers.per_worker;
  per_worker.resize(workers_.size());
  for (auto& batch : per_worker) batch.clear();
  PerBackend<std::size_t> queued{}, runnable_in_host_queues{};
  std::vector<std::uint32_t> unplaceable;  // only when every worker that could run it failed
  for (std::uint32_t task : ready) {
    const BackendSet backends = run.graph().tasks[task]->backends();
    const int preferred = preferred_worker(run, task, from_worker);
    const int slot =
        choose_worker(backends, preferred >= 0 ? buffers.worker_load[preferred] : -1, loads);
    // submit() checked that a compatible worker exists; it may have failed since.
    if (slot < 0) {
      unplaceable.push_back(task);
      continue;
    }
    per_worker[buffers.load_worker[slot]].push_back({&run, task});
    ++loads[slot].queued;
    ++queued[backend_index(loads[slot].backend)];
    if (loads[slot].backend == Backend::host)
      others_than_host(backends & backends_).for_each([&](Backend other) {
        ++runnable_in_host_queues[backend_index(other)];
      });
  }
  // Counters go up before the tasks are visible, so a popper never drives them below zero.
  for (std::size_t b = 0; b < kMaxBackends; ++b) {
    if (queued[b]) queued_[b].fetch_add(queued[b]);
    if (runnable_in_host_queues[b])
      runnable_in_host_queues_[b].fetch_add(runnable_in_host_queues[b]);
  }
  for (std::size_t w = 0; w < per_worker.size(); ++w) {
    if (per_worker[w].empty()) continue;
    if (static_cast<int>(w) == from_worker)
      workers_[w]->queue.push_front(per_worker[w]);
    else
      workers_[w]->queue.push(per_worker[w]);
  }
  // A worker that failed after its load was read hands on what its queue held then; what was
  // pushed later is handed on here. (Push, then look; fail_worker sets the flag, then drains:
  // with both sequentially consistent, one of the two sees every task.)
  for (std::size_t w = 0; w < per_worker.size(); ++w)
    if (!per_worker[w].empty() && workers_[w]->broken.load()) relocate_queue(static_cast<int>(w));
  // The run cannot finish before its unplaceable tasks do, so it is still here for them; it may
  // be gone once the last of them failed.
  bool run_finished = false;
  for (std::uint32_t task : unplaceable)
    if (fail_unplaceable(run, task)) run_finished = true;
  if (run_finished) release_run(run);
  // From here on `run` may already be finished and gone: do not touch it.
  for (std::size_t b = 0; b < kMaxBackends; ++b)
    if (queued[b] || runnable_in_host_queues[b]) wake(static_cast<Backend>(b));
}

bool Scheduler::fail_unplaceable(RunState& run, std::uint32_t task) {
  const BackendSet backends = run.graph().tasks[task]->backends();
  for (const auto& w : workers_)
    if (w->broken.load() && can_run(backends, w->spec.backend)) {
      std::string failure;
      {
        std::lock_guard lock(w->failure_mutex);
        failure = w->failure;
      }
      auto error = std::make_exception_ptr(std::runtime_error(
          fmt::format("no worker can run it: {} failed: {}", w->spec.name, failure)));
      return run.fail(task, error, w->spec.name);
    }
  auto error = std::make_exception_ptr(std::runtime_error("no worker can run it"));
  return run.fail(task, error, "");
}

void Scheduler::fail_worker(int worker, const std::string& reason) {
  Worker& self = *workers_[worker];
  {
    std::lock_guard lock(self.failure_mutex);
    if (!self.failure.empty()) return;  // another of its threads got there first
    self.failure = reason.empty() ? "unknown error" : reason;
  }
  self.broken.store(true);
  log_warning(fmt::format("worker {} failed and takes no more tasks: {}", self.spec.name, reason));
  {
    // Its sleeping threads wake, see the flag and stop taking tasks.
    std::lock_guard lock(idle_mutex_);
    idle_[backend_index(self.spec.backend)].notify_all();
  }
  relocate_queue(worker);
}

void Scheduler::relocate_queue(int worker) {
  Worker& failed = *workers_[worker];
  ThreadBuffers buffers;  // enqueue's scratch: the caller may be inside enqueue with its own
  TaskRef ref;
  // Each run stays alive while its task is out of every queue: it cannot finish before the task.
  while (failed.queue.pop_front(ref)) {
    note_popped(failed, ref);
    enqueue(-1, *ref.run, std::span<const std::uint32_t>(&ref.task, 1), buffers);
  }
}

void Scheduler::wake(Backend backend) {
  // Same-variable read-modify-write handshake with the sleeper's increment (see
  // RunState::notify_waiters): either we see the sleeper, or it sees the queued counters.
  if (sleeping_[backend_index(backend)].fetch_add(0, std::memory_order_acq_rel) == 0) return;
  std::lock_guard lock(idle_mutex_);
  idle_[backend_index(backend)].notify_all();
}

bool Scheduler::should_pause(int worker) const {
  const std::uint64_t limit = specs_[worker].memory_limit;
  if (limit == 0 || pause_fraction_ <= 0) return false;
  const auto held = memory_->held[worker].load(std::memory_order_relaxed);
  if (held <= static_cast<std::int64_t>(pause_fraction_ * static_cast<double>(limit))) return false;
  // Pause only while some task is running somewhere: it may consume and free results. If none
  // is, pausing could never end, so the worker goes on.
  for (const auto& w : workers_)
    if (w->executing.load(std::memory_order_relaxed) > 0) return true;
  return false;
}

bool Scheduler::busy() const noexcept {
  for (const auto& w : workers_)
    if (w->executing.load(std::memory_order_relaxed) > 0 || w->queue.size() > 0) return true;
  return false;
}

bool Scheduler::has_work_for(Backend backend) const {
  const std::size_t b = backend_index(backend);
  return queued_[b].load() > 0 ||
         (backend != Backend::host && runnable_in_host_queues_[b].load() > 0);
}

void Scheduler::note_pushed(const Worker& queue_owner, BackendSet task_backends) {
  queued_[backend_index(queue_owner.spec.backend)].fetch_add(1);
  if (queue_owner.spec.backend == Backend::host)
    others_than_host(task_backends & backends_).for_each([&](Backend other) {
      runnable_in_host_queues_[backend_index(other)].fetch_add(1);
    });
}

void Scheduler::note_popped(const Worker& queue_owner, const TaskRef& ref) {
  queued_[backend_index(queue_owner.spec.backend)].fetch_sub(1);
  if (queue_owner.spec.backend == Backend::host)
    others_than_host(ref.run->graph().tasks[ref.task]->backends() & backends_)
        .for_each(
            [&](Backend other) { runnable_in_host_queues_[backend_index(other)].fetch_sub(1); });
}

void Scheduler::requeue(int worker, const TaskRef& ref) {
  Worker& self = *workers_[worker];
  // Counters first, as enqueue() does: a popper never drives them below zero.
  note_pushed(self, ref.run->graph().tasks[ref.task]->backends());
  self.queue.push_front(std::span<const TaskRef>(&ref, 1));
  if (self.broken.load()) relocate_queue(worker);  // as in enqueue: it failed meanwhile
}

bool Scheduler::find_task(int worker, TaskRef& out) {
  Worker& self = *workers_[worker];
  if (self.broken.load(std::memory_order_relaxed)) return false;  // its device is unusable
  if (self.queue.pop_front(out)) {
    note_popped(self, out);
    return true;
  }
  // Steal from the back of other queues whose tasks this worker may run, starting after itself
  // so thieves spread over victims: its own backend's queues, and a device worker host queues
  // too, where tasks that run anywhere wait (a device queue's tasks were placed there for it).
  const Backend backend = self.spec.backend;
  const std::size_t n = workers_.size();
  for (std::size_t step = 1; step < n; ++step) {
    Worker& victim = *workers_[(worker + step) % n];
    auto accept = [&](const TaskRef& ref) {
      return can_run(ref.run->graph().tasks[ref.task]->backends(), backend);
    };
    if (victim.spec.backend != backend && victim.spec.backend != Backend::host) continue;
    if (victim.queue.steal_back(out, accept)) {
      note_popped(victim, out);
      self.stolen.fetch_add(1, std::memory_order_relaxed);
      return true;
    }
  }
  return false;
}

void Scheduler::execute(int worker, int thread, const WorkerContext& worker_context, TaskRef ref,
                        ThreadBuffers& buffers) {
  Worker& self = *workers_[worker];
  RunState& run = *ref.run;
  const TaskNode& node = *run.graph().tasks[ref.task];
  const TaskContext context{worker,           self.spec.backend,       thread,
                            self.spec.device, worker_context.stream(), buffers.store.get()};
  // Clock reads and records only while someone listens: watching is free when nobody watches;
  // see TaskClock for how few reads it takes when someone does.
  const diagnostics::Bus& bus = diagnostics::Bus::instance();
  const bool observed = bus.active();
  if (!observed) buffers.clock.idle();
  const double start = observed ? buffers.clock.start() : 0;
  self.executing.fetch_add(1, std::memory_order_relaxed);
  bool run_finished = false;
  // Counted before finish() or fail(): the waiter they wake may read this worker's counters
  // (Executor::workers()) and must see its task counted.
  bool counted = false;
  const auto count_done = [&self, &counted] {
    self.executing.fetch_sub(1, std::memory_order_relaxed);
    self.finished.fetch_add(1, std::memory_order_relaxed);
    counted = true;
  };
  try {
    run.inputs(ref.task, buffers.inputs, buffers.loaded);
    Value value = node.function(self.spec.backend)(buffers.inputs, context);
    buffers.loaded.clear();  // inputs read back from the store: not needed any more
    const std::uint64_t nbytes = value.nbytes();
    BlockStore* store = buffers.store.get();
    const bool settled = settle_device_result(run, ref.task, store, value);
    if (run.hooks().on_result) run.hooks().on_result(ref.task, value);
    const std::uint64_t held =
        settled ? 0 : store_result(run, ref.task, worker, store, nbytes, value);
    // Published before finish(): once the run finishes, its waiter may destroy the graph.
    if (observed) {
      const double stop = buffers.clock.stop(start, bus.exact_times());
      if (buffers.clock.estimated()) {
        buffers.pending.add(task_record(self, thread, ref, start, stop, nbytes));
      } else {
        buffers.pending.flush();
        publish_task(self, thread, ref, start, stop, nbytes, false);
      }
    }
    buffers.ready.clear();
    count_done();
    run_finished = run.finish(ref.task, std::move(value), held, worker, buffers.ready);
    enqueue(worker, run, buffers.ready, buffers);
  } catch (...) {
    buffers.loaded.clear();
    if (observed) {  // failures are rare: timed exactly
      buffers.pending.flush();
      publish_task(self, thread, ref, start, buffers.clock.stop(start, true), 0, true);
    }
    self.failed.fetch_add(1, std::memory_order_relaxed);
    // A device that faulted fails every later task here the same way (CUDA's sticky errors):
    // the worker goes out of service and its tasks go to workers that can still run them. Asked
    // only after a failure: a healthy device costs nothing.
    if (std::string fault = worker_context.fault(); !fault.empty()) fail_worker(worker, fault);
    if (!counted) count_done();
    run_finished = run.fail(ref.task, std::current_exception(), self.spec.name);
  }
  if (run_finished) release_run(run);
}

void Scheduler::thread_main(int worker, int thread) {
  { std::lock_guard started(start_mutex_); }  // the constructor has recorded every thread handle
  const WorkerInfo& spec = specs_[worker];
  pthread_setname_np(pthread_self(), fmt::format("{}.{}", spec.name, thread).substr(0, 15).c_str());
  Worker& self = *workers_[worker];
  // What the worker's backend gives this thread (a CUDA stream). Thrown out of a thread of its
  // own the error would end the process (std::terminate): the worker fails instead, and the
  // cluster goes on with the others.
  std::unique_ptr<WorkerContext> context;
  try {
    context = make_worker_context(spec, thread);
  } catch (const std::exception& e) {
    fail_worker(worker, e.what());
    context = std::make_unique<WorkerContext>();  // holds nothing: the thread only waits to close
  }
  current_thread = {this, worker, thread, context.get()};

  ThreadBuffers buffers = thread_buffers();
  TaskRef ref;
  while (!stopping_.load(std::memory_order_relaxed) &&
         !self.broken.load(std::memory_order_relaxed)) {
    if (should_pause(worker)) {
      // Over the pause threshold: start nothing until consumers free results (other workers
      // may still steal what is queued here).
      self.paused.store(true, std::memory_order_relaxed);
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      continue;
    }
    self.paused.store(false, std::memory_order_relaxed);
    if (find_task(worker, ref)) {
      // Deciding not to pause and taking a task are two steps: a task that another thread
      // started in between may be what makes this worker pause (it can free results), so look
      // again once the task is ours and hand it back if so (seen on a 16-core machine).
      if (should_pause(worker)) {
        requeue(worker, ref);
        continue;
      }
      execute(worker, thread, *context, ref, buffers);
      continue;
    }
    buffers.clock.idle();  // the next task's start needs its own clock read
    buffers.pending.flush();
    // Briefly spin: the next task of a chain usually arrives within microseconds.
    bool found = false;
    for (int spin = 0; spin < 64 && !found; ++spin) {
      std::this_thread::yield();
      found = has_work_for(spec.backend);
    }
    if (found) continue;
    auto& sleeping = sleeping_[backend_index(spec.backend)];
    std::unique_lock lock(idle_mutex_);
    sleeping.fetch_add(1, std::memory_order_acq_rel);
    idle_[backend_index(spec.backend)].wait(
        lock, [&] { return stopping_.load() || has_work_for(spec.backend) || self.broken.load(); });
    sleeping.fetch_sub(1);
  }
  buffers.pending.flush();
  if (self.broken.load()) {
    // Out of service, but alive until close: stats() reads each thread's CPU clock, which an
    // exited thread no longer has.
    std::unique_lock lock(idle_mutex_);
    idle_[backend_index(spec.backend)].wait(lock, [&] { return stopping_.load(); });
  }
  // A task on this thread that closed the cluster may have queued consumers after stop()
  // failed what was queued: they fail too, rather than wait forever.
  if (stopping_.load()) fail_queued();
  current_thread = {};
  context.reset();  // the backend takes back what it gave the thread (a CUDA stream)
}

void Scheduler::stop() {
  // A task may close its own cluster. Its thread cannot join itself, and must not wait for
  // another stop() either: that one may be joining this very thread.
  const bool from_task = current_thread.scheduler == this;
  std::unique_lock stop_lock(stop_mutex_, std::defer_lock);
  if (from_task) {
    if (!stop_lock.try_lock() || stopping_.load()) return;
  } else {
    stop_lock.lock();
  }
  if (!stopping_.exchange(true)) {
    {
      std::lock_guard lock(idle_mutex_);
      for (auto& idle : idle_) idle.notify_all();
    }
    // From a task: the scheduler must outlive its thread, which goes on after its task returns
    // (null for a scheduler not owned by a shared_ptr, whose owner then must outlive the task).
    if (from_task) closing_task_keeps_alive = weak_from_this().lock();
    join_threads();
    fail_queued();
    // Persisted chunks die with the cluster, as in Dask: the spill directory goes once the
    // cluster's memory lets go of the store too.
    std::lock_guard lock(store_mutex_);
    store_.reset();
  }
  // A later stop() from outside waits for the thread of a task that stopped the scheduler.
  if (!from_task) join_threads();
}

void Scheduler::join_threads() {
  for (auto& thread : threads_)
    if (thread.joinable() && thread.get_id() != std::this_thread::get_id()) thread.join();
}

void Scheduler::fail_queued() {
  // Fail what never ran, so every waiter wakes with an error instead of hanging.
  for (auto& worker : workers_) {
    TaskRef ref;
    while (worker->queue.pop_front(ref)) {
      note_popped(*worker, ref);
      auto error =
          std::make_exception_ptr(ClosedError("the cluster was closed before the task ran"));
      if (ref.run->fail(ref.task, error, worker->spec.name)) release_run(*ref.run);
    }
  }
}

}  // namespace tessera::detail
