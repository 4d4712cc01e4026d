#include "placement.hpp"

namespace tessera::scheduler_detail {

int choose_worker(Placement placement, int preferred, std::span<const WorkerLoad> workers) {
  auto load_per_thread = [&](int w) {
    const WorkerLoad& load = workers[w];
    return static_cast<double>(load.queued + load.executing) /
           (load.threads > 0 ? load.threads : 1);
  };
  const bool preferred_ok = preferred >= 0 &&
                            static_cast<std::size_t>(preferred) < workers.size() &&
                            can_run(placement, workers[preferred].kind);
  // A backlog of up to two tasks per thread keeps every thread of the preferred worker busy;
  // moving the task elsewhere only pays once the queue is longer than that.
  if (preferred_ok &&
      workers[preferred].queued <= 2 * static_cast<std::size_t>(workers[preferred].threads))
    return preferred;
  int best = preferred_ok ? preferred : -1;
  for (int w = 0; w < static_cast<int>(workers.size()); ++w) {
    if (!can_run(placement, workers[w].kind)) continue;
    if (best < 0 || load_per_thread(w) < load_per_thread(best)) best = w;
  }
  return best;
}

}  // namespace tessera::scheduler_detail
