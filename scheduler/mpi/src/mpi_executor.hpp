#pragma once
// compute() over ranks: each submitted graph is planned (rank_plan.hpp), this rank's share runs
// on its own scheduler, and the values other ranks need leave through the Exchange as their
// tasks finish. Every rank submits the same graphs in the same order (SPMD), so the n-th run is
// the same graph everywhere and its messages are matched by run number and task index.

#include <atomic>
#include <cstdint>
#include <memory>

#include "exchange.hpp"
#include "tessera/executor.hpp"

namespace tessera::detail {

class MPIExecutor final : public Executor {
 public:
  /// `rank_workers`: every rank's workers as started (this rank's entry is read live instead).
  MPIExecutor(std::shared_ptr<Scheduler> scheduler, std::shared_ptr<Exchange> exchange, int rank,
              int size, std::vector<std::vector<WorkerInfo>> rank_workers);
  std::shared_ptr<Computation> submit(Graph graph) override;
  /// This rank's store, marking each chunk with this rank: a persisted chunk stays on the rank
  /// that made it, and later tasks that read it run there (their readers elsewhere receive it).
  std::shared_ptr<ChunkStore> chunk_store() override;
  /// The workers of every rank, in rank order: this rank's with what they are doing now; on
  /// rank 0 the others' as they last reported (every Exchange::kReportSeconds), elsewhere as
  /// started.
  std::vector<WorkerInfo> workers() const override;
  /// The same without this rank's own (what rank 0's dashboard lists after them).
  std::vector<WorkerInfo> other_ranks_workers() const;

 private:
  std::vector<WorkerInfo> workers_of(int rank) const;

  std::shared_ptr<Scheduler> scheduler_;
  std::shared_ptr<Exchange> exchange_;
  int rank_, size_;
  std::vector<std::vector<WorkerInfo>> rank_workers_;
  std::atomic<std::uint64_t> next_run_{1};
};

}  // namespace tessera::detail
