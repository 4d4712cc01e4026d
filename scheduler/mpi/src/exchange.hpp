#pragma once
// The one thread that talks MPI for a cluster: it sends what finished tasks queued for other
// ranks and delivers what arrives to the external tasks waiting for it. Receives never block a
// worker thread: a worker waiting for a peer while the peer waits for this rank's queued work
// would deadlock both.

#include <mpi.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "scheduling/run_state.hpp"
#include "scheduling/scheduler.hpp"
#include "wire.hpp"

namespace tessera::detail {

class Exchange {
 public:
  /// Owns `comm` (a communicator of this cluster's own) and starts the thread. `spare_core`: the
  /// node has a core for this thread beyond every rank's workers, so it may spin while waiting.
  Exchange(MPI_Comm comm, std::shared_ptr<Scheduler> scheduler, bool spare_core);
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  /// Queues `message` for each rank in `to`; from any thread.
  void send(Message message, const std::vector<int>& to);
  /// Delivers messages of run `id` to `run`'s external tasks (`local_of`: the local index of
  /// each task of the whole graph). Messages that came before are delivered now.
  void open_run(std::uint64_t id, std::shared_ptr<RunState> run,
                std::vector<std::int32_t> local_of);
  /// Finishes the sends under way (waiting at most `kSendDrainSeconds` for peers to take them),
  /// stops the thread and frees the communicator. Idempotent.
  void stop();

  static constexpr double kSendDrainSeconds = 30;
  /// How often ranks other than 0 report their workers to rank 0 (for its dashboard).
  static constexpr double kReportSeconds = 0.5;

  /// Rank `rank`'s workers as it last reported them (rank 0 only hears reports); empty before
  /// the first.
  std::vector<WorkerInfo> reported_workers(int rank) const;

 private:
  struct Outgoing {
    std::shared_ptr<const Message> message;
    std::vector<int> to;
  };
  struct OpenRun {
    std::shared_ptr<RunState> run;
    std::vector<std::int32_t> local_of;
  };
  /// One message received: its bytes inside a buffer that `owner` keeps alive.
  struct Received {
    std::shared_ptr<void> owner;
    const std::byte* data;
    std::size_t size;
  };

  void loop();
  /// Sends this rank's workers to rank 0 when a report is due.
  void report_workers();
  /// One pass: start queued sends, complete finished ones, receive what waits. True when it did
  /// anything.
  bool progress();
  /// Sends the queued messages, small ones to the same rank bundled into one MPI message.
  void start_sends(std::deque<Outgoing>& batch);
  /// Starts sending `message` to `rank`: one buffer, or its head and borrowed tail together
  /// through a datatype of the two (no copy of the tail).
  void post(std::shared_ptr<const Message> message, int rank, int tag);
  /// Delivers messages in order, values of one run in one batch.
  void deliver(const std::vector<Received>& messages);

  MPI_Comm comm_;
  std::shared_ptr<Scheduler> scheduler_;
  bool spare_core_;
  int rank_ = 0;
  std::chrono::steady_clock::time_point last_report_{};
  mutable std::mutex mutex_;  // guards outbox_, runs_, early_, stopping_
  std::condition_variable wake_;
  std::deque<Outgoing> outbox_;
  std::map<std::uint64_t, OpenRun> runs_;
  std::multimap<std::uint64_t, Received> early_;     // arrived before their run opened here
  std::map<int, std::vector<WorkerInfo>> reported_;  // per rank, the latest report (rank 0)
  bool stopping_ = false;
  // Sends under way (the thread's own): requests side by side for MPI_Testsome, each with the
  // bytes it sends.
  std::vector<MPI_Request> requests_;
  std::vector<std::shared_ptr<const Message>> sending_;
  std::thread thread_;
};

}  // namespace tessera::detail
