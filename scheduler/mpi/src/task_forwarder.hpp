#pragma once
// Every rank's tasks on rank 0's dashboard. A rank other than 0 keeps the records of the tasks its
// workers ran since its last report and sends them with it (ReportHooks); rank 0 publishes them
// on its diagnostics bus as tasks of its own cluster, on the rows of that rank's workers, which
// its dashboard lists after its own. Only while rank 0 serves a dashboard: otherwise nobody
// subscribes and tasks cost no records.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tessera/codec.hpp"
#include "tessera/diagnostics/bus.hpp"

namespace tessera::detail {

/// One task as forwarded: its times, id, group (an index into the report's names), and where it
/// ran on its rank.
struct ForwardedTask {
  double start = 0, stop = 0;  ///< seconds since the epoch (system clocks: NTP-synced nodes agree)
  std::uint64_t task = 0;
  std::uint32_t group = 0;
  std::uint32_t count = 1;
  std::uint16_t worker = 0;  ///< index among the sending rank's workers
  std::uint16_t thread = 0;
  std::uint8_t backend = 0;
  std::uint8_t failed = 0;
};

/// Kept on ranks other than 0: a subscriber to this process's bus for one cluster.
class TaskForwarder final : public diagnostics::Subscriber {
 public:
  /// Keeps the tasks of cluster `cluster` (the rank's local cluster's name), at most `cap` per
  /// report (see cap_for()).
  explicit TaskForwarder(std::string cluster, std::size_t cap = kMaxPerReport)
      : cluster_(std::move(cluster)), cap_(cap) {}
  void task_finished(const diagnostics::TaskRecord& record) override;
  /// The dashboard draws tasks live: windows of a few sub-microsecond tasks will do.
  bool needs_exact_times() const override { return false; }
  /// Appends the kept tasks (and the names they use) to a report and forgets them.
  void take(std::vector<std::byte>& report);

  /// Tasks rank 0 takes in per report interval from all ranks together (twice a second: 100,000
  /// tasks/s, what its task stream can draw); tasks past a rank's share are counted as dropped
  /// and left out of the stream.
  static constexpr std::size_t kMaxPerReport = 50'000;
  /// A rank's share of that among `senders` ranks, and at least 1,000 (a 512-rank job still
  /// shows some of every rank's tasks).
  static std::size_t cap_for(int senders) {
    return std::max<std::size_t>(1000,
                                 kMaxPerReport / static_cast<std::size_t>(std::max(senders, 1)));
  }
  std::uint64_t dropped() const;

 private:
  std::string cluster_;
  std::size_t cap_;
  mutable std::mutex mutex_;
  std::vector<ForwardedTask> tasks_;
  std::vector<std::string> names_;  // group names of tasks_, by index
  // Looked up by the record's string_view: a task whose group is known allocates nothing.
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view name) const noexcept {
      return std::hash<std::string_view>{}(name);
    }
  };
  std::unordered_map<std::string, std::uint32_t, NameHash, std::equal_to<>> name_index_;
  std::uint64_t dropped_ = 0;
};

/// Rank 0: publishes the tasks a report carries (after its workers) as tasks of cluster
/// `cluster` run by `workers` (the sending rank's, as named on rank 0), whose rows start at
/// `first_worker` in rank 0's list of workers.
void republish_tasks(ByteReader& in, const std::string& cluster, int first_worker,
                     const std::vector<std::string>& workers);

}  // namespace tessera::detail

template <>
inline constexpr bool tessera::bitwise_codec<tessera::detail::ForwardedTask> = true;
