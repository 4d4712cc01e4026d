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
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "receive_buffers.hpp"
#include "scheduling/run_state.hpp"
#include "scheduling/scheduler.hpp"
#include "tessera/codec.hpp"
#include "wire.hpp"

namespace tessera::detail {

/// What ranks other than 0 add to the reports they send rank 0, and what rank 0 does with it.
struct ReportHooks {
  /// Appends to this rank's report, after its workers (ranks other than 0).
  std::function<void(std::vector<std::byte>&)> extend;
  /// Reads the rest of rank `rank`'s report (rank 0). Runs on the communication thread.
  std::function<void(int rank, ByteReader& in)> read;
};

class Exchange {
 public:
  /// Owns `comm` (a communicator of this cluster's own) and starts the thread. `spare_core`: the
  /// node has a core for this thread beyond every rank's workers, so it may spin while waiting.
  /// `timeout`: MPIClusterOptions::exchange_timeout (0: none).
  Exchange(MPI_Comm comm, std::shared_ptr<Scheduler> scheduler, bool spare_core, double timeout = 0,
           ReportHooks reports = {});
  ~Exchange();
  Exchange(const Exchange&) = delete;
  Exchange& operator=(const Exchange&) = delete;

  /// Queues `message` for each rank in `to`; from any thread.
  void send(Message message, const std::vector<int>& to);
  /// Delivers messages of run `id` to `run`'s external tasks (`local_of`: the local index of
  /// each task of the whole graph; `source_of`: the rank each local external task's value comes
  /// from, -1 for the rank's own tasks). Messages that came before are delivered now.
  void open_run(std::uint64_t id, std::shared_ptr<RunState> run, std::vector<std::int32_t> local_of,
                std::vector<int> source_of);
  /// Closing is collective, like opening: finishes the sends under way, tells every rank how
  /// many messages it sent it, and receives until it has every message sent to it (waiting at
  /// most `kSendDrainSeconds` for the other ranks to close), then stops the thread and frees the
  /// communicator (left allocated when a rank never closed). Idempotent.
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
    std::vector<int> source_of;
    // The watchdog's: since when nothing arrived for the run (nor did a source say it is still
    // at work on it), and when each source rank it asked was asked.
    std::chrono::steady_clock::time_point quiet_since;
    std::map<int, std::chrono::steady_clock::time_point> asked;
  };
  /// One message received: its bytes inside a buffer that `owner` keeps alive.
  struct Received {
    std::shared_ptr<void> owner;
    const std::byte* data;
    std::size_t size;
  };

  void loop();
  /// Sends this rank's workers (and what ReportHooks::extend adds) to rank 0 when a report is
  /// due; `last`: now, as the last one.
  void report_workers(bool last = false);
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
  /// The watchdog: asks the ranks that owe values to a run quiet for `timeout_` how far they are,
  /// and fails the run's tasks awaited from a rank that has not started it, finished it without
  /// sending them, or did not answer.
  void watch();
  /// Closing: sends every rank the count of messages it sent it (MPI_Ialltoall).
  void start_counting();
  /// Closing: every rank's count came and every message it counted has been received.
  bool all_received();
  /// How far this rank is with run `run`, for a rank that asked.
  RunStatus status_of(std::uint64_t run);
  /// What a rank answered about run `status.run`.
  void heard(int rank, const RunStatus& status);
  /// Fails run `id`'s tasks still awaited from `rank` with a TimeoutError saying `why`.
  void fail_waiting_on(std::uint64_t id, int rank, const std::string& why);

  MPI_Comm comm_;
  std::shared_ptr<Scheduler> scheduler_;
  bool spare_core_;
  double timeout_;
  ReportHooks reports_;
  std::shared_ptr<ReceiveBuffers> buffers_ = std::make_shared<ReceiveBuffers>();
  int rank_ = 0, size_ = 1;
  // Closing (the thread's own): messages sent to and received from each rank, and, once every
  // rank has closed, how many each sent here.
  std::vector<std::uint64_t> sent_to_, received_from_, expected_from_;
  MPI_Request count_request_ = MPI_REQUEST_NULL;
  bool counting_ = false;      // the counts are out: nothing more is sent
  bool comm_settled_ = false;  // every message sent on comm_ has been received
  std::chrono::steady_clock::time_point last_watch_{};
  std::vector<std::pair<int, RunStatus>> answers_;  // to post after the sends queued before
  std::chrono::steady_clock::time_point last_report_{};
  mutable std::mutex mutex_;  // guards outbox_, runs_, early_, stopping_
  std::condition_variable wake_;
  std::deque<Outgoing> outbox_;
  std::map<std::uint64_t, OpenRun> runs_;
  std::multimap<std::uint64_t, Received> early_;     // arrived before their run opened here
  std::map<int, std::vector<WorkerInfo>> reported_;  // per rank, the latest report (rank 0)
  std::uint64_t last_opened_ = 0;                    // the highest run id opened here
  bool stopping_ = false;
  // Sends under way (the thread's own): requests side by side for MPI_Testsome, each with the
  // bytes it sends.
  std::vector<MPI_Request> requests_;
  std::vector<std::shared_ptr<const Message>> sending_;
  std::thread thread_;
};

}  // namespace tessera::detail
