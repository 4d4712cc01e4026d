#include "mpi_executor.hpp"

#include <stdexcept>

#include "rank_plan.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/errors.hpp"
#include "wire.hpp"

namespace tessera::detail {

MPIExecutor::MPIExecutor(std::shared_ptr<Scheduler> scheduler, std::shared_ptr<Exchange> exchange,
                         int rank, int size, std::vector<std::vector<WorkerInfo>> rank_workers)
    : scheduler_(std::move(scheduler)),
      exchange_(std::move(exchange)),
      rank_(rank),
      size_(size),
      rank_workers_(std::move(rank_workers)) {}

std::vector<WorkerInfo> MPIExecutor::workers_of(int rank) const {
  if (rank == rank_) return scheduler_->workers();
  std::vector<WorkerInfo> reported = exchange_->reported_workers(rank);
  // What it last reported (only rank 0 hears reports), else as it started.
  return reported.size() == rank_workers_[rank].size() ? reported : rank_workers_[rank];
}

std::vector<WorkerInfo> MPIExecutor::workers() const {
  std::vector<WorkerInfo> all;
  for (int r = 0; r < size_; ++r)
    for (WorkerInfo& w : workers_of(r)) all.push_back(std::move(w));
  return all;
}

std::vector<WorkerInfo> MPIExecutor::other_ranks_workers() const {
  std::vector<WorkerInfo> others;
  for (int r = 0; r < size_; ++r)
    if (r != rank_)
      for (WorkerInfo& w : workers_of(r)) others.push_back(std::move(w));
  return others;
}

namespace {

/// A chunk this rank holds, marked with its rank: other ranks get a handle naming it, and tasks
/// that read it run here.
class HomedChunk final : public StoredChunk {
 public:
  HomedChunk(std::shared_ptr<StoredChunk> chunk, int rank)
      : chunk_(std::move(chunk)), rank_(rank) {}
  std::shared_ptr<NDArray> load() override { return chunk_->load(); }
  std::uint64_t nbytes() const noexcept override { return chunk_->nbytes(); }
  int home() const noexcept override { return rank_; }

 private:
  std::shared_ptr<StoredChunk> chunk_;
  int rank_;
};

/// This rank's store (its budgets, spilling), handing out chunks marked with this rank.
class SpreadStore final : public ChunkStore {
 public:
  SpreadStore(std::shared_ptr<ChunkStore> local, int rank)
      : local_(std::move(local)), rank_(rank) {}
  std::shared_ptr<StoredChunk> put(std::shared_ptr<NDArray> chunk, int owner) override {
    return std::make_shared<HomedChunk>(local_->put(std::move(chunk), owner), rank_);
  }
  std::shared_ptr<StoredChunk> put(std::shared_ptr<DeviceArray> chunk) override {
    return std::make_shared<HomedChunk>(local_->put(std::move(chunk)), rank_);
  }
  std::uint64_t make_device_room(int owner, std::uint64_t bytes) override {
    return local_->make_device_room(owner, bytes);
  }
  std::uint64_t chunk_limit() const noexcept override { return local_->chunk_limit(); }

 private:
  std::shared_ptr<ChunkStore> local_;
  int rank_;
};

}  // namespace

std::shared_ptr<ChunkStore> MPIExecutor::chunk_store() {
  return std::make_shared<SpreadStore>(scheduler_->chunk_store(), rank_);
}

std::shared_ptr<Computation> MPIExecutor::submit(Graph graph) {
  const std::uint64_t run_id = next_run_.fetch_add(1);
  auto plan = std::make_shared<RankPlan>(plan_rank(graph, rank_, size_));
  RunHooks hooks;
  // The hooks run on worker threads as tasks settle: the value is encoded there (in parallel,
  // one copy into the message) and the communication thread only moves bytes.
  std::weak_ptr<Exchange> exchange = exchange_;
  hooks.on_result = [plan, exchange, run_id](std::uint32_t task, const Value& value) {
    const std::vector<int>& to = plan->destinations[task];
    if (to.empty()) return;
    auto live = exchange.lock();
    if (!live) throw ClosedError("cannot send to other ranks: the MPI cluster is closed");
    live->send(value_message(run_id, plan->global_of[task], value), to);
  };
  hooks.on_failure = [plan, exchange, run_id](std::uint32_t task, const std::exception_ptr& error) {
    const std::vector<int>& to = plan->destinations[task];
    if (to.empty()) return;
    // The ranks waiting for this value fail the same way (and so throw the same TaskError).
    try {
      if (auto live = exchange.lock())
        live->send(error_message(run_id, plan->global_of[task], error), to);
    } catch (const std::exception& e) {
      log_warning(std::string("could not tell other ranks of a failure: ") + e.what());
    }
  };
  Graph local = std::move(plan->local);
  std::vector<std::int32_t> local_of = plan->local_of;
  std::vector<int> source_of(local.size(), -1);  // where each external task's value comes from
  for (std::size_t i = 0; i < local.size(); ++i)
    if (local.tasks[i]->external()) source_of[i] = plan->owner[plan->global_of[i]];
  auto run = scheduler_->start(std::move(local), std::move(hooks));
  exchange_->open_run(run_id, run, std::move(local_of), std::move(source_of));
  return run;
}

}  // namespace tessera::detail
