#pragma once
// What the dashboard's request handlers share: the cluster view, the event log, the CPU meter,
// facts about the server, and the stop signal live streams wait on.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "cluster_view.hpp"
#include "event_log.hpp"
#include "json_api.hpp"
#include "worker_snapshot.hpp"

namespace tessera::dashboard {

struct DashboardState {
  ClusterView view;
  std::shared_ptr<EventLog> log;
  CpuMeter cpu;
  ServerFacts facts;
  std::atomic<int> streams{0};  ///< live event streams open now

  /// Every worker, read now.
  std::vector<WorkerInfo> workers() { return snapshot_workers(view, cpu); }
  /// The /api/v1/status document, read now.
  nlohmann::json status() { return status_json(view, workers(), log->runs(), log->last_seq()); }

  /// Sleeps up to `timeout`; returns false at once when the server is stopping.
  bool wait(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return !wake_.wait_for(lock, timeout, [&] { return stopping_; });
  }
  /// Wakes every waiter for good.
  void stop() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    wake_.notify_all();
  }
  bool stopping() {
    std::lock_guard lock(mutex_);
    return stopping_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
};

}  // namespace tessera::dashboard
