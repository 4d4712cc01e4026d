#pragma once
// Workers outside this process that a cluster shows with its own: an MPI job's other ranks, which
// rank 0's dashboard lists. Filled by whoever knows them (the MPI layer), read by whoever shows
// workers (the dashboard); empty for a LocalCluster.

#include <functional>
#include <mutex>
#include <utility>
#include <vector>

#include "tessera/executor.hpp"

namespace tessera::detail {

class OtherWorkers {
 public:
  void set(std::function<std::vector<WorkerInfo>()> source) {
    std::lock_guard lock(mutex_);
    source_ = std::move(source);
  }
  std::vector<WorkerInfo> get() const {
    std::function<std::vector<WorkerInfo>()> source;
    {
      std::lock_guard lock(mutex_);
      source = source_;
    }
    return source ? source() : std::vector<WorkerInfo>{};
  }

 private:
  mutable std::mutex mutex_;
  std::function<std::vector<WorkerInfo>()> source_;
};

}  // namespace tessera::detail
