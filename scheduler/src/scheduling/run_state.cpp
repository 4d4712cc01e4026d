#include "run_state.hpp"

#include <stdexcept>

#include "scheduler.hpp"
#include "tessera/errors.hpp"

namespace tessera::detail {

RunState::RunState(Graph graph, Scheduler* scheduler, std::shared_ptr<MemoryCounters> memory,
                   std::uint64_t id, RunHooks hooks)
    : graph_(std::move(graph)),
      scheduler_(scheduler),
      memory_(std::move(memory)),
      id_(id),
      hooks_(std::move(hooks)),
      nbytes_(graph_.size(), 0),
      values_(graph_.size()),
      pending_dependencies_(new std::atomic<std::uint32_t>[graph_.size()]),
      pending_consumers_(new std::atomic<std::uint32_t>[graph_.size()]),
      state_(new std::atomic<TaskState>[graph_.size()]),
      location_(new std::atomic<int>[graph_.size()]),
      is_output_(graph_.size(), 0),
      errors_(graph_.size()),
      remaining_(graph_.size()),
      completed_(graph_.size() == 0) {
  for (std::uint32_t i = 0; i < graph_.size(); ++i) {
    pending_dependencies_[i].store(graph_.dep_offset[i + 1] - graph_.dep_offset[i],
                                   std::memory_order_relaxed);
    // + 1: the task's own hold on its value, dropped once the value is in place. A consumer
    // cancelled by a failure lets go of its inputs while they may still be running; without
    // the hold it could free a value not yet written.
    pending_consumers_[i].store(graph_.consumer_offset[i + 1] - graph_.consumer_offset[i] + 1,
                                std::memory_order_relaxed);
    state_[i].store(TaskState::waiting, std::memory_order_relaxed);
    location_[i].store(-1, std::memory_order_relaxed);
  }
  for (std::uint32_t k : graph_.outputs) is_output_[k] = 1;
}

RunState::~RunState() {
  // Requested outputs were held until now.
  for (std::uint32_t i = 0; i < graph_.size(); ++i)
    if (values_[i].has_value()) forget_value(i);
}

void RunState::forget_value(std::uint32_t i) {
  const int worker = location_[i].load(std::memory_order_relaxed);
  if (worker >= 0 && nbytes_[i])
    memory_->held[worker].fetch_sub(static_cast<std::int64_t>(nbytes_[i]),
                                    std::memory_order_relaxed);
  values_[i].reset();
}

std::vector<std::uint32_t> RunState::initial_ready() const {
  std::vector<std::uint32_t> ready;
  for (std::uint32_t i = 0; i < graph_.size(); ++i)
    if (graph_.dep_offset[i + 1] == graph_.dep_offset[i] && !graph_.tasks[i]->external())
      ready.push_back(i);
  return ready;
}

void RunState::inputs(std::uint32_t i, std::vector<const Value*>& out,
                      std::vector<Value>& loaded) const {
  out.clear();
  loaded.clear();
  const auto dependencies = graph_.dependencies(i);
  loaded.reserve(dependencies.size());  // no reallocation: `out` points into it
  for (std::uint32_t d : dependencies) {
    // A stored chunk (an array result the scheduler put into the block store, where it spills
    // like persisted chunks, least recently stored first) reaches its consumers as the host
    // chunk it holds: from memory, or read back from its file.
    if (const Value::Stored* stored = values_[d].stored_chunk(); stored && *stored) {
      loaded.emplace_back((*stored)->load());
      out.push_back(&loaded.back());
    } else {
      out.push_back(&values_[d]);
    }
  }
}

bool RunState::finish(std::uint32_t i, Value value, std::uint64_t nbytes, int worker,
                      std::vector<std::uint32_t>& ready) {
  values_[i] = std::move(value);
  nbytes_[i] = nbytes;
  if (nbytes)
    memory_->held[worker].fetch_add(static_cast<std::int64_t>(nbytes), std::memory_order_relaxed);
  location_[i].store(worker, std::memory_order_relaxed);
  state_[i].store(TaskState::done, std::memory_order_release);
  // acq_rel: the consumer that sees its count reach zero also sees every input value written.
  for (std::uint32_t c : graph_.consumers(i))
    if (pending_dependencies_[c].fetch_sub(1, std::memory_order_acq_rel) == 1) ready.push_back(c);
  release_inputs(i);
  release(i);  // the task's own hold: its consumers may all have been cancelled already
  if (is_output_[i]) notify_waiters(/*output_waiters_only=*/true);
  return count_finished(1);
}

void RunState::release(std::uint32_t i) {
  // A value nobody will read again is freed now, unless it was requested: a chunk lives until
  // its last consumer, so a graph's memory is its live frontier, not its whole history.
  if (pending_consumers_[i].fetch_sub(1, std::memory_order_acq_rel) == 1 && !is_output_[i])
    forget_value(i);
}

void RunState::release_inputs(std::uint32_t i) {
  for (std::uint32_t d : graph_.dependencies(i)) release(d);
}

bool RunState::fail(std::uint32_t i, std::exception_ptr error, const std::string& worker_name) {
  std::string message = "unknown exception";
  bool closed = false;
  try {
    std::rethrow_exception(error);
  } catch (const ClosedError& e) {
    message = e.what();
    closed = true;
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
  }
  any_failed_.store(true, std::memory_order_relaxed);
  const std::string& key = graph_.tasks[i]->key();
  // Closing the cluster is no failure of the task: the caller hears ClosedError, as close()
  // promises, not a TaskError it would take for the task's own.
  errors_[i] =
      closed ? std::make_exception_ptr(ClosedError("task " + key + ": " + message))
             : std::make_exception_ptr(TaskError(key, worker_name, std::move(message), error));
  return cancel_from(i);
}

bool RunState::fail_delivered(std::uint32_t i, std::exception_ptr error) {
  any_failed_.store(true, std::memory_order_relaxed);
  errors_[i] = std::move(error);
  return cancel_from(i);
}

bool RunState::cancel_from(std::uint32_t i) {
  if (hooks_.on_failure) hooks_.on_failure(i, errors_[i]);
  state_[i].store(TaskState::failed, std::memory_order_release);
  // Neither the failed task nor the ones it cancels will read their inputs: a failed run that
  // the caller still holds (a future of it) must not keep those.
  release_inputs(i);

  // Cancel every transitive consumer; the CAS makes each one count once even in diamonds and
  // when two failures race over the same descendants. Each gets the error that reached it first.
  std::size_t finished = 1;
  std::vector<std::uint32_t> stack(graph_.consumers(i).begin(), graph_.consumers(i).end());
  while (!stack.empty()) {
    std::uint32_t c = stack.back();
    stack.pop_back();
    TaskState expected = TaskState::waiting;
    if (!state_[c].compare_exchange_strong(expected, TaskState::claimed, std::memory_order_acq_rel))
      continue;
    errors_[c] = errors_[i];
    if (hooks_.on_failure) hooks_.on_failure(c, errors_[c]);
    state_[c].store(TaskState::cancelled, std::memory_order_release);
    release_inputs(c);
    ++finished;
    for (std::uint32_t next : graph_.consumers(c)) stack.push_back(next);
  }
  notify_waiters(false);
  return count_finished(finished);
}

bool RunState::count_finished(std::size_t n) {
  if (remaining_.fetch_sub(n, std::memory_order_acq_rel) != n) return false;
  // Subscribers hear of the end before compute() can return.
  scheduler_->run_completed(*this);
  completed_.store(true, std::memory_order_release);
  notify_waiters(false);
  return true;
}

void RunState::notify_waiters(bool output_waiters_only) {
  // A read-modify-write on the same counter the waiter increments: either it comes after the
  // waiter's increment (we see it and notify), or the waiter's increment reads ours and so sees
  // the state we published before. (No fences: ThreadSanitizer does not model them.)
  const bool outputs = output_waiters_.fetch_add(0, std::memory_order_acq_rel) != 0;
  const bool runs = !output_waiters_only && waiters_.fetch_add(0, std::memory_order_acq_rel) != 0;
  if (!outputs && !runs) return;
  std::lock_guard lock(wait_mutex_);
  wait_cv_.notify_all();
}

template <class Predicate>
void RunState::block_until(Predicate&& finished, bool for_output) {
  if (finished()) return;
  // A worker thread that waits (a task calling compute()) runs other tasks meanwhile, so nested
  // computes cannot starve the pool.
  if (scheduler_->help_until(finished)) return;
  std::unique_lock lock(wait_mutex_);
  std::atomic<int>& waiting = for_output ? output_waiters_ : waiters_;
  waiting.fetch_add(1, std::memory_order_acq_rel);
  wait_cv_.wait(lock, finished);
  waiting.fetch_sub(1, std::memory_order_acq_rel);
}

void RunState::wait() {
  block_until([this] { return done(); }, false);
}

bool RunState::output_done(std::size_t k) const {
  if (k >= graph_.outputs.size())
    throw std::out_of_range("output " + std::to_string(k) + " of a run with " +
                            std::to_string(graph_.outputs.size()) + " outputs");
  TaskState state = state_[graph_.outputs[k]].load(std::memory_order_acquire);
  return state == TaskState::done || state == TaskState::failed || state == TaskState::cancelled;
}

void RunState::wait_output(std::size_t k) {
  block_until([this, k] { return output_done(k); }, true);
}

std::exception_ptr RunState::output_error(std::size_t k) const {
  if (!output_done(k)) return nullptr;
  const std::exception_ptr& stored = errors_[graph_.outputs[k]];
  if (!stored) return nullptr;
  // Hand out a copy made now, by the caller's thread: the stored exception object is shared with
  // the worker that may destroy this run later, and its last release happens inside libstdc++
  // where ThreadSanitizer cannot see the synchronization.
  try {
    std::rethrow_exception(stored);
  } catch (const TaskError& error) {
    return std::make_exception_ptr(TaskError(error));
  } catch (const ClosedError& error) {
    return std::make_exception_ptr(ClosedError(error));
  } catch (...) {
    return std::current_exception();
  }
}

const Value& RunState::output(std::size_t k) const {
  if (!output_done(k) || output_error(k))
    throw std::logic_error("output " + std::to_string(k) +
                           " has no value (not finished or failed)");
  return values_[graph_.outputs[k]];
}

}  // namespace tessera::detail
