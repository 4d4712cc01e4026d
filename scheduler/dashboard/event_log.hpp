#pragma once
// What the dashboard remembers of one cluster's diagnostics events: the most recent task records
// in a bounded ring with increasing sequence numbers, and per-group progress of recent runs.
//
// The per-task handler runs on the worker that finished the task, so it must cost next to nothing:
// watching a cluster must not slow what it watches (the target is under 5% of scheduler
// throughput). It takes no lock: each
// publishing thread appends a compact record to its own single-producer buffer. Whoever reads
// (a request, the live stream) or a producer whose buffer is full drains all buffers into the
// ring under the mutex, numbering records and counting progress there. JSON is made only when a
// client asks.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/diagnostics/bus.hpp"

namespace tessera::dashboard {

/// One finished task, as stored: 32 bytes, since every record crosses from the worker's core to
/// the reader's and the ring's bytes are most of the handler's cost. A record's sequence number
/// is its position, so it is not stored.
struct TaskEntry {
  double start = 0;  ///< seconds since the epoch
  std::uint64_t task = 0;
  float duration = 0;       ///< stop - start, seconds
  std::uint32_t run = 0;    ///< the run id's low 32 bits
  std::uint16_t group = 0;  ///< index into the interned group names
  std::uint16_t worker = 0;
  std::uint16_t thread = 0;
  bool failed = false;
  std::uint8_t count = 1;  ///< tasks it stands for (TaskRecord::count, at most 255)
  double stop() const { return start + duration; }
};
static_assert(sizeof(TaskEntry) == 32);

/// Group names beyond this many share the last one, "(other groups)".
inline constexpr std::uint32_t kMaxGroupNames = 65536;

/// Progress of one task group within a run.
struct GroupProgress {
  std::string name;
  std::size_t total = 0, done = 0, failed = 0;
};

/// Progress of one submitted graph.
struct RunProgress {
  std::uint64_t run = 0;
  std::size_t tasks = 0, done = 0, failed = 0;
  std::size_t cancelled = 0;  ///< known when the run finished: tasks that never ran
  double submitted = 0;
  double finished = 0;  ///< 0 while running
  std::vector<GroupProgress> groups;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> edges;  ///< between `groups` indices
};

/// A copy of part of the ring, with the group names its entries refer to.
struct TaskBatch {
  std::vector<TaskEntry> tasks;  ///< consecutive: tasks[i] has seq from_seq + i
  std::uint64_t from_seq = 0;
  std::vector<std::string_view> group_names;  ///< stay valid while the log lives
  std::uint64_t first_seq = 0;                ///< oldest record still held (0: none)
  std::uint64_t last_seq = 0;                 ///< newest record (0: none yet)
  std::uint64_t skipped = 0;                  ///< records after `since` left out by `limit`
};

class EventLog final : public diagnostics::Subscriber {
 public:
  /// Records the events of cluster `cluster` only; keeps `capacity` tasks and `max_runs` runs.
  explicit EventLog(std::string cluster, std::size_t capacity = 100'000, std::size_t max_runs = 64);

  void run_submitted(const diagnostics::RunRecord& record) override;
  void task_finished(const diagnostics::TaskRecord& record) override;
  void run_finished(const diagnostics::RunRecord& record) override;
  /// The live task stream draws sub-microsecond tasks no better than window-estimated times.
  bool needs_exact_times() const override { return false; }

  /// Up to `limit` records with seq > `since`: the oldest of them, or the newest if `newest`.
  TaskBatch tasks_since(std::uint64_t since, std::size_t limit, bool newest = false);
  /// The runs still remembered, oldest first.
  std::vector<RunProgress> runs();
  /// Sequence number of the newest record (0 before the first).
  std::uint64_t last_seq();
  std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Run {
    RunProgress progress;
    std::vector<std::int32_t> group_slot;  // interned name -> index in progress.groups, or -1
  };
  // One publishing thread's records not yet in the ring: a single-producer, single-consumer
  // queue (the consumer is whoever holds mutex_).
  struct Producer {
    static constexpr std::size_t kCapacity = 4096;
    std::unique_ptr<TaskEntry[]> slots{
        new TaskEntry[kCapacity]()};     // written now: no page faults later
    std::atomic<std::uint64_t> head{0};  // records pushed (written by the producer)
    std::atomic<std::uint64_t> tail{0};  // records drained (written under mutex_)
    std::string last_group;              // producer only: its last group name and id
    std::uint32_t last_group_id = 0;
    bool has_last_group = false;
  };
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };

  Producer& producer();  // this thread's, registered on first use
  std::uint32_t group_id(Producer& p, std::string_view group);
  std::uint32_t intern(std::string_view name);  // mutex_ held
  Run* find_run(std::uint64_t run);             // mutex_ held
  void drain();                                 // mutex_ held: buffers -> ring and counts
  void append(const TaskEntry& entry);          // mutex_ held

  const std::uint64_t id_;  // unique per log, never reused: keys the threads' producer caches
  const std::string cluster_;
  const std::size_t capacity_;
  const std::size_t max_runs_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Producer>> producers_;
  Run* last_run_ = nullptr;      // drain's cache: consecutive records mostly share a run
  std::vector<TaskEntry> ring_;  // record seq at (seq - 1) % capacity_
  std::size_t write_ = 0;        // where the next record goes
  std::size_t held_ = 0;         // records in the ring (capacity_ once it wrapped)
  std::uint64_t next_seq_ = 1;
  std::deque<std::string> names_;  // a deque: views into it stay valid as it grows
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> name_ids_;
  std::deque<Run> runs_;
};

}  // namespace tessera::dashboard
