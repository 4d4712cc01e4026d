#include "exchange.hpp"

#include <fmt/format.h>

#include <chrono>
#include <climits>
#include <stdexcept>

#include "mpi_world.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/detail/value_codec.hpp"
#include "tessera/errors.hpp"
#include "wire.hpp"

namespace tessera::detail {
namespace {

constexpr int kValueTag = 1;
using Clock = std::chrono::steady_clock;

}  // namespace

Exchange::Exchange(MPI_Comm comm, std::shared_ptr<Scheduler> scheduler)
    : comm_(comm), scheduler_(std::move(scheduler)) {
  thread_ = std::thread([this] { loop(); });
}

Exchange::~Exchange() {
  stop();
}

void Exchange::send(std::vector<std::byte> message, const std::vector<int>& to) {
  if (message.size() > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument(fmt::format(
        "a value of {} bytes cannot cross ranks: one MPI message holds at most {} bytes; use "
        "smaller chunks",
        message.size(), INT_MAX));
  auto shared = std::make_shared<const std::vector<std::byte>>(std::move(message));
  std::lock_guard lock(mutex_);
  if (stopping_) throw ClosedError("cannot send to other ranks: the MPI cluster is closed");
  outbox_.push_back({std::move(shared), to});
  wake_.notify_one();
}

void Exchange::open_run(std::uint64_t id, std::shared_ptr<RunState> run,
                        std::vector<std::int32_t> local_of) {
  std::vector<Received> early;
  {
    std::lock_guard lock(mutex_);
    runs_.emplace(id, OpenRun{std::move(run), std::move(local_of)});
    auto [first, last] = early_.equal_range(id);
    for (auto it = first; it != last; ++it) early.push_back(std::move(it->second));
    early_.erase(first, last);
    wake_.notify_one();
  }
  for (const Received& message : early) deliver(message);
}

void Exchange::deliver(const Received& message) {
  const MessageHeader header = read_header(message.buffer.get(), message.size);
  std::shared_ptr<RunState> run;
  std::int32_t task = -1;
  {
    std::lock_guard lock(mutex_);
    auto it = runs_.find(header.run);
    if (it == runs_.end()) {  // a faster rank is ahead: keep it until this rank gets there
      early_.emplace(header.run, message);
      return;
    }
    run = it->second.run;
    if (header.task < it->second.local_of.size()) task = it->second.local_of[header.task];
  }
  if (task < 0 || !run->graph().tasks[task]->external() || !run->waiting(task)) {
    log_warning(fmt::format("dropped a message for task {} of run {}: not awaited here",
                            header.task, header.run));
    return;
  }
  const auto i = static_cast<std::uint32_t>(task);
  if (header.kind == MessageKind::error) {
    scheduler_->deliver_failure(*run, i, read_error(message.buffer.get(), message.size));
    return;
  }
  Value value;
  try {
    value = read_value(message.buffer.get(), message.size, message.buffer);
  } catch (...) {
    scheduler_->deliver_failure(*run, i, std::current_exception());
    return;
  }
  scheduler_->deliver(*run, i, std::move(value));
}

bool Exchange::progress() {
  bool did = false;
  std::deque<Outgoing> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(outbox_);
    // Runs whose every task settled need nothing more from here.
    std::erase_if(runs_, [](const auto& entry) { return entry.second.run->done(); });
  }
  for (const Outgoing& out : batch)
    for (int rank : out.to) {
      InFlight& sent = in_flight_.emplace_back(InFlight{out.message, MPI_REQUEST_NULL});
      mpi_check(MPI_Isend(out.message->data(), static_cast<int>(out.message->size()), MPI_BYTE,
                          rank, kValueTag, comm_, &sent.request),
                "MPI_Isend");
      did = true;
    }
  for (std::size_t k = 0; k < in_flight_.size();) {
    int complete = 0;
    mpi_check(MPI_Test(&in_flight_[k].request, &complete, MPI_STATUS_IGNORE), "MPI_Test");
    if (complete) {
      in_flight_[k] = std::move(in_flight_.back());
      in_flight_.pop_back();
      did = true;
    } else {
      ++k;
    }
  }
  for (;;) {
    int waiting = 0;
    MPI_Status status;
    mpi_check(MPI_Iprobe(MPI_ANY_SOURCE, kValueTag, comm_, &waiting, &status), "MPI_Iprobe");
    if (!waiting) break;
    int count = 0;
    mpi_check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    Received message{aligned_buffer(static_cast<std::size_t>(count)),
                     static_cast<std::size_t>(count)};
    mpi_check(MPI_Recv(message.buffer.get(), count, MPI_BYTE, status.MPI_SOURCE, kValueTag, comm_,
                       MPI_STATUS_IGNORE),
              "MPI_Recv");
    deliver(message);
    did = true;
  }
  return did;
}

void Exchange::loop() {
  // Busy only while there is traffic: yields for a moment after the last message, then sleeps
  // briefly while runs wait for peers, and blocks when there is nothing to wait for. Ranks
  // share cores with their workers (CI runs 4 ranks on 2 cores).
  using std::chrono::microseconds;
  Clock::time_point last = Clock::now();
  Clock::time_point stop_requested{};
  try {
    for (;;) {
      if (progress()) {
        last = Clock::now();
        continue;
      }
      const auto idle = Clock::now() - last;
      std::unique_lock lock(mutex_);
      if (stopping_) {
        if (stop_requested == Clock::time_point{}) stop_requested = Clock::now();
        if (outbox_.empty() && in_flight_.empty()) break;
        if (Clock::now() - stop_requested > std::chrono::duration<double>(kSendDrainSeconds)) {
          log_warning(
              fmt::format("MPI cluster closed with {} sends no rank took", in_flight_.size()));
          break;
        }
      }
      const bool quiet = runs_.empty() && outbox_.empty() && in_flight_.empty() && !stopping_;
      if (idle < microseconds(200)) {
        lock.unlock();
        std::this_thread::yield();
        continue;
      }
      const auto nap = quiet                       ? microseconds(10000)
                       : idle < microseconds(2000) ? microseconds(20)
                                                   : microseconds(200);
      wake_.wait_for(lock, nap, [this] { return !outbox_.empty() || stopping_; });
    }
  } catch (const std::exception& e) {
    // MPI itself failed: this rank cannot keep its promises to the others. Ending the job is
    // the only answer that leaves no rank waiting forever.
    log_warning(fmt::format("MPI communication failed: {}; aborting the job", e.what()));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}

void Exchange::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
    wake_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
  // Nothing more arrives: runs still waiting for a peer fail instead of hanging.
  std::map<std::uint64_t, OpenRun> runs;
  {
    std::lock_guard lock(mutex_);
    runs.swap(runs_);
  }
  for (auto& [id, open] : runs)
    for (std::uint32_t i = 0; i < open.run->graph().size(); ++i)
      if (open.run->graph().tasks[i]->external() && open.run->waiting(i))
        scheduler_->deliver_failure(
            *open.run, i,
            std::make_exception_ptr(ClosedError(
                "the MPI cluster was closed while this rank waited for another rank's value")));
  if (in_flight_.empty()) MPI_Comm_free(&comm_);
}

}  // namespace tessera::detail
