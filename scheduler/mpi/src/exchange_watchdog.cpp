// The exchange's watchdog (see Exchange::watch): a run that heard nothing for the timeout asks
// the ranks that owe it values how far they are, and fails only what a rank that is not at work
// on the run still owes.

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "exchange.hpp"
#include "exchange_tags.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/errors.hpp"

namespace tessera::detail {
namespace {
using Clock = std::chrono::steady_clock;
}  // namespace

RunStatus Exchange::status_of(std::uint64_t run) {
  std::lock_guard lock(mutex_);
  RunStatus status{.run = run, .progress = RunProgress::finished, .last_opened = last_opened_};
  const bool busy = std::any_of(runs_.begin(), runs_.end(),
                                [](const auto& entry) { return !entry.second.run->done(); });
  if (run > last_opened_) {
    // Still at work on an earlier run (its compute() has not returned): not stuck, behind.
    status.progress = busy ? RunProgress::running : RunProgress::not_started;
  } else if (auto it = runs_.find(run); it != runs_.end() && !it->second.run->done()) {
    status.progress = RunProgress::running;
  }
  return status;
}

void Exchange::watch() {
  if (timeout_ <= 0) return;
  const auto now = Clock::now();
  if (now - last_watch_ < std::chrono::duration<double>(std::min(1.0, timeout_ / 4))) return;
  last_watch_ = now;
  const std::chrono::duration<double> limit(timeout_);
  std::vector<std::pair<int, std::uint64_t>> ask, unanswered;  // (rank, run)
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, open] : runs_) {
      if (open.run->done() || now - open.quiet_since < limit) continue;
      std::set<int> owing;  // the ranks whose values the run still waits for
      for (std::size_t i = 0; i < open.source_of.size(); ++i)
        if (open.source_of[i] >= 0 && open.run->waiting(static_cast<std::uint32_t>(i)))
          owing.insert(open.source_of[i]);
      for (int rank : owing) {
        auto asked = open.asked.find(rank);
        if (asked == open.asked.end()) {
          open.asked.emplace(rank, now);
          ask.emplace_back(rank, id);
        } else if (now - asked->second >= limit) {
          unanswered.emplace_back(rank, id);
        }
      }
    }
  }
  for (const auto& [rank, id] : ask)
    post(std::make_shared<const Message>(Message{run_query(id), {}}), rank, kQueryTag);
  for (const auto& [rank, id] : unanswered)
    fail_waiting_on(
        id, rank,
        fmt::format("did not answer the watchdog within {:g} s: it is stuck or gone", timeout_));
}

void Exchange::heard(int rank, const RunStatus& status) {
  {
    std::lock_guard lock(mutex_);
    auto it = runs_.find(status.run);
    if (it == runs_.end()) return;  // settled meanwhile
    it->second.asked.erase(rank);
    if (status.progress == RunProgress::running) {
      it->second.quiet_since = Clock::now();  // at work on it: a long task is no hang
      return;
    }
  }
  if (status.progress == RunProgress::not_started)
    fail_waiting_on(status.run, rank,
                    fmt::format("has not started computation #{} (its last is #{}): every rank "
                                "must compute the same graphs in the same order (a rank busy "
                                "outside compute() longer than exchange_timeout looks the same)",
                                status.run, status.last_opened));
  else
    fail_waiting_on(status.run, rank,
                    fmt::format("finished computation #{} without sending them: the ranks built "
                                "different graphs",
                                status.run));
}

void Exchange::fail_waiting_on(std::uint64_t id, int rank, const std::string& why) {
  std::shared_ptr<RunState> run;
  std::vector<std::uint32_t> tasks;
  {
    std::lock_guard lock(mutex_);
    auto it = runs_.find(id);
    if (it == runs_.end()) return;
    run = it->second.run;
    const std::vector<int>& source_of = it->second.source_of;
    for (std::size_t i = 0; i < source_of.size(); ++i)
      if (source_of[i] == rank && run->waiting(static_cast<std::uint32_t>(i)))
        tasks.push_back(static_cast<std::uint32_t>(i));
  }
  if (tasks.empty()) return;
  std::string names;
  for (std::size_t k = 0; k < std::min<std::size_t>(tasks.size(), 5); ++k)
    names += fmt::format("{}'{}'", k ? ", " : "", run->graph().tasks[tasks[k]]->key());
  if (tasks.size() > 5) names += fmt::format(" and {} more", tasks.size() - 5);
  const std::string message =
      fmt::format("MPI exchange stuck: rank {} waited {:g} s for task{} {} from rank {}, which {}",
                  rank_, timeout_, tasks.size() == 1 ? "" : "s", names, rank, why);
  log_warning(message);
  const auto error = std::make_exception_ptr(TimeoutError(message));
  for (std::uint32_t task : tasks)
    if (run->waiting(task)) scheduler_->deliver_failure(*run, task, error);
}

}  // namespace tessera::detail
