#include "exchange.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <stdexcept>

#include "exchange_tags.hpp"
#include "mpi_world.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/detail/value_codec.hpp"
#include "tessera/errors.hpp"
#include "wire.hpp"

namespace tessera::detail {
namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

Exchange::Exchange(MPI_Comm comm, std::shared_ptr<Scheduler> scheduler, bool spare_core,
                   double timeout, ReportHooks reports)
    : comm_(comm),
      scheduler_(std::move(scheduler)),
      spare_core_(spare_core),
      timeout_(timeout),
      reports_(std::move(reports)) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  sent_to_.assign(size_, 0);
  received_from_.assign(size_, 0);
  thread_ = std::thread([this] { loop(); });
}

Exchange::~Exchange() {
  stop();
}

void Exchange::send(Message message, const std::vector<int>& to) {
  if (message.size() > static_cast<std::size_t>(INT_MAX))
    throw std::invalid_argument(fmt::format(
        "a value of {} bytes cannot cross ranks: one MPI message holds at most {} bytes; use "
        "smaller chunks",
        message.size(), INT_MAX));
  auto shared = std::make_shared<const Message>(std::move(message));
  std::lock_guard lock(mutex_);
  if (stopping_) throw ClosedError("cannot send to other ranks: the MPI cluster is closed");
  outbox_.push_back({std::move(shared), to});
  wake_.notify_one();
}

void Exchange::open_run(std::uint64_t id, std::shared_ptr<RunState> run,
                        std::vector<std::int32_t> local_of, std::vector<int> source_of) {
  std::vector<Received> early;
  {
    std::lock_guard lock(mutex_);
    runs_.emplace(id, OpenRun{.run = std::move(run),
                              .local_of = std::move(local_of),
                              .source_of = std::move(source_of),
                              .quiet_since = Clock::now(),
                              .asked = {}});
    last_opened_ = std::max(last_opened_, id);
    auto [first, last] = early_.equal_range(id);
    for (auto it = first; it != last; ++it) early.push_back(std::move(it->second));
    early_.erase(first, last);
    wake_.notify_one();
  }
  deliver(early);
}

void Exchange::deliver(const std::vector<Received>& messages) {
  std::shared_ptr<RunState> batch_run;
  std::vector<std::pair<std::uint32_t, Value>> batch;
  auto flush = [&] {
    if (!batch.empty()) scheduler_->deliver(*batch_run, batch);
    batch.clear();
  };
  for (const Received& message : messages) {
    const MessageHeader header = read_header(message.data, message.size);
    std::shared_ptr<RunState> run;
    std::int32_t task = -1;
    {
      std::lock_guard lock(mutex_);
      auto it = runs_.find(header.run);
      if (it == runs_.end()) {  // a faster rank is ahead: kept until this rank gets there
        early_.emplace(header.run, message);
        continue;
      }
      run = it->second.run;
      it->second.quiet_since = Clock::now();  // the run progresses
      if (header.task < it->second.local_of.size()) task = it->second.local_of[header.task];
    }
    if (task < 0 || !run->graph().tasks[task]->external() || !run->waiting(task)) {
      log_warning(fmt::format("dropped a message for task {} of run {}: not awaited here",
                              header.task, header.run));
      continue;
    }
    if (run != batch_run) {
      flush();
      batch_run = run;
    }
    const auto i = static_cast<std::uint32_t>(task);
    std::exception_ptr error;
    if (header.kind == MessageKind::error) {
      error = read_error(message.data, message.size);
    } else {
      try {
        batch.emplace_back(i, read_value(message.data, message.size, message.owner));
        continue;
      } catch (...) {
        error = std::current_exception();
      }
    }
    flush();
    scheduler_->deliver_failure(*run, i, error);
  }
  flush();
}

void Exchange::post(std::shared_ptr<const Message> message, int rank, int tag) {
  ++sent_to_[rank];
  MPI_Request& request = requests_.emplace_back(MPI_REQUEST_NULL);
  if (message->tail.size == 0) {
    mpi_check(MPI_Isend(message->head.data(), static_cast<int>(message->head.size()), MPI_BYTE,
                        rank, tag, comm_, &request),
              "MPI_Isend");
  } else {
    // Head and chunk data as one message, straight from where each lies.
    MPI_Aint addresses[2];
    MPI_Get_address(message->head.data(), &addresses[0]);
    MPI_Get_address(message->tail.data, &addresses[1]);
    const int lengths[2] = {static_cast<int>(message->head.size()),
                            static_cast<int>(message->tail.size)};
    MPI_Datatype both;
    mpi_check(MPI_Type_create_hindexed(2, lengths, addresses, MPI_BYTE, &both),
              "MPI_Type_create_hindexed");
    MPI_Type_commit(&both);
    mpi_check(MPI_Isend(MPI_BOTTOM, 1, both, rank, tag, comm_, &request), "MPI_Isend");
    MPI_Type_free(&both);  // freed once the send no longer needs it
  }
  sending_.push_back(std::move(message));
}

void Exchange::start_sends(std::deque<Outgoing>& batch) {
  // Small messages to one rank travel as one bundle: 100,000 tasks' values are a few hundred
  // MPI messages, not 100,000 (MPI's per-message cost, not the bytes, bounds small tasks).
  std::map<int, std::vector<std::byte>> bundles;
  auto flush = [this](int rank, std::vector<std::byte>& bundle) {
    if (bundle.empty()) return;
    post(std::make_shared<const Message>(Message{std::move(bundle), {}}), rank, kBundleTag);
    bundle.clear();
  };
  for (const Outgoing& out : batch)
    for (int rank : out.to) {
      if (out.message->size() > kBundledMessageLimit || out.message->tail.size) {
        post(out.message, rank, kValueTag);
        continue;
      }
      std::vector<std::byte>& bundle = bundles[rank];
      append_to_bundle(bundle, *out.message);
      if (bundle.size() > kBundleBytes) flush(rank, bundle);
    }
  for (auto& [rank, bundle] : bundles) flush(rank, bundle);
}

std::vector<WorkerInfo> Exchange::reported_workers(int rank) const {
  std::lock_guard lock(mutex_);
  auto it = reported_.find(rank);
  return it == reported_.end() ? std::vector<WorkerInfo>{} : it->second;
}

void Exchange::report_workers(bool last) {
  if (rank_ == 0) return;
  const auto now = Clock::now();
  if (!last && now - last_report_ < std::chrono::duration<double>(kReportSeconds)) return;
  last_report_ = now;
  std::vector<std::byte> report = workers_report(scheduler_->workers());
  if (reports_.extend) reports_.extend(report);
  post(std::make_shared<const Message>(Message{std::move(report), {}}), 0, kReportTag);
}

bool Exchange::progress() {
  bool did = false;
  if (!counting_) {  // once counting, nothing more is sent
    report_workers();
    watch();
  }
  std::deque<Outgoing> batch;
  {
    std::lock_guard lock(mutex_);
    batch.swap(outbox_);
    // Runs whose every task settled need nothing more from here.
    std::erase_if(runs_, [](const auto& entry) { return entry.second.run->done(); });
  }
  if (!batch.empty()) {
    start_sends(batch);
    did = true;
  }
  // After the sends queued before each answer was decided: a rank told "finished" has every
  // value of the run ahead of the answer (MPI keeps one sender's messages in order).
  if (!counting_)
    for (const auto& [rank, status] : answers_)
      post(std::make_shared<const Message>(Message{run_status(status), {}}), rank, kStatusTag);
  answers_.clear();
  if (!requests_.empty()) {
    int completed = 0;
    std::vector<int> indices(requests_.size());
    mpi_check(MPI_Testsome(static_cast<int>(requests_.size()), requests_.data(), &completed,
                           indices.data(), MPI_STATUSES_IGNORE),
              "MPI_Testsome");
    if (completed > 0 && completed != MPI_UNDEFINED) {
      for (int k = 0; k < completed; ++k) sending_[indices[k]].reset();
      std::size_t kept = 0;
      for (std::size_t k = 0; k < requests_.size(); ++k)
        if (sending_[k]) {
          requests_[kept] = requests_[k];
          sending_[kept++] = std::move(sending_[k]);
        }
      requests_.resize(kept);
      sending_.resize(kept);
      did = true;
    }
  }
  std::vector<Received> received;
  std::vector<std::pair<int, RunStatus>> statuses;
  for (;;) {
    int waiting = 0;
    MPI_Status status;
    mpi_check(MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, comm_, &waiting, &status), "MPI_Iprobe");
    if (!waiting) break;
    ++received_from_[status.MPI_SOURCE];
    int count = 0;
    mpi_check(MPI_Get_count(&status, MPI_BYTE, &count), "MPI_Get_count");
    std::shared_ptr<std::byte> buffer = buffers_->take(static_cast<std::size_t>(count));
    mpi_check(MPI_Recv(buffer.get(), count, MPI_BYTE, status.MPI_SOURCE, status.MPI_TAG, comm_,
                       MPI_STATUS_IGNORE),
              "MPI_Recv");
    const auto size = static_cast<std::size_t>(count);
    if (status.MPI_TAG == kReportTag) {
      ByteReader in(buffer.get(), size);
      std::vector<WorkerInfo> workers = read_workers_report(in);
      if (reports_.read) reports_.read(status.MPI_SOURCE, in);
      std::lock_guard lock(mutex_);
      reported_[status.MPI_SOURCE] = std::move(workers);
      continue;
    }
    if (status.MPI_TAG == kQueryTag) {
      answers_.emplace_back(status.MPI_SOURCE, status_of(read_run_query(buffer.get(), size)));
      continue;
    }
    if (status.MPI_TAG == kStatusTag) {
      statuses.emplace_back(status.MPI_SOURCE, read_run_status(buffer.get(), size));
      continue;
    }
    if (status.MPI_TAG == kBundleTag)
      for_each_in_bundle(buffer.get(), size, [&](const std::byte* data, std::size_t n) {
        received.push_back({buffer, data, n});
      });
    else
      received.push_back({buffer, buffer.get(), size});
  }
  if (!received.empty()) {
    deliver(received);
    did = true;
  }
  // After the values that came before them.
  for (const auto& [rank, status] : statuses) heard(rank, status);
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
        if (stop_requested == Clock::time_point{}) {
          stop_requested = Clock::now();
          lock.unlock();
          if (reports_.extend) report_workers(/*last=*/true);  // the last tasks for rank 0
          continue;
        }
        if (!counting_ && outbox_.empty() && requests_.empty()) {
          lock.unlock();
          start_counting();
          continue;
        }
        if (counting_ && all_received()) {
          comm_settled_ = true;
          break;
        }
        if (Clock::now() - stop_requested > std::chrono::duration<double>(kSendDrainSeconds)) {
          log_warning(fmt::format(
              "MPI cluster closed without every rank closing it within {:g} s ({} of its sends "
              "not taken); its communicator is left allocated so that late messages cannot reach "
              "a later cluster's",
              kSendDrainSeconds, requests_.size()));
          break;
        }
      }
      const bool quiet = runs_.empty() && outbox_.empty() && requests_.empty() && !stopping_;
      // MPI moves a large message only while someone calls into it (Open MPI's ob1 pipelines it
      // in fragments): no naps while sends are under way. While this rank's workers wait for
      // values from other ranks, and the node has a core to spare, spin (with yields) so a value
      // starts its consumer within microseconds; otherwise nap, leaving the cores to workers
      // (on an oversubscribed node another rank's worker would pay for the spinning).
      const bool waiting_for_peers = spare_core_ && !runs_.empty() && !scheduler_->busy();
      if (!requests_.empty() || idle < microseconds(200) ||
          (waiting_for_peers && idle < microseconds(5000))) {
        lock.unlock();
        std::this_thread::yield();
        continue;
      }
      const auto nap = quiet                       ? microseconds(10000)
                       : idle < microseconds(2000) ? microseconds(20)
                                                   : microseconds(200);
      wake_.wait_for(lock, nap, [&] {
        return !outbox_.empty() || (stopping_ && stop_requested == Clock::time_point{});
      });
    }
  } catch (const std::exception& e) {
    // MPI itself failed: this rank cannot keep its promises to the others. Ending the job is
    // the only answer that leaves no rank waiting forever.
    log_warning(fmt::format("MPI communication failed: {}; aborting the job", e.what()));
    MPI_Abort(MPI_COMM_WORLD, 1);
  }
}

void Exchange::start_counting() {
  // No message leaves after this: each rank learns how many every other rank sent it, and
  // receives until it has them all (a Dijkstra-style count, as termination detection does).
  // sent_to_ stays as it is while the call reads it: nothing is posted once counting.
  expected_from_.assign(size_, 0);
  mpi_check(MPI_Ialltoall(sent_to_.data(), 1, MPI_UINT64_T, expected_from_.data(), 1, MPI_UINT64_T,
                          comm_, &count_request_),
            "MPI_Ialltoall");
  counting_ = true;
}

bool Exchange::all_received() {
  int done = 0;
  if (count_request_ != MPI_REQUEST_NULL)
    mpi_check(MPI_Test(&count_request_, &done, MPI_STATUS_IGNORE), "MPI_Test");
  if (count_request_ != MPI_REQUEST_NULL) return false;
  for (int r = 0; r < size_; ++r)
    if (received_from_[r] < expected_from_[r]) return false;
  return true;
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
  // Freed only when no message can still arrive on it: MPI may give a later communicator the
  // same context, and a late message would then land in that one's sequence (and stall it).
  if (comm_settled_) MPI_Comm_free(&comm_);
}

}  // namespace tessera::detail
