#include "placement.hpp"

namespace tessera::detail {

int choose_worker(BackendSet backends, int preferred, std::span<const WorkerInfo> workers) {
  auto load_per_thread = [&](int w) {
    const WorkerInfo& load = workers[w];
    return static_cast<double>(load.queued + load.executing) /
           (load.threads > 0 ? load.threads : 1);
  };
  const bool preferred_ok = preferred >= 0 &&
                            static_cast<std::size_t>(preferred) < workers.size() &&
                            can_run(backends, workers[preferred].backend);
  // A task stays where its inputs are: there it runs next (depth first), using and freeing them
  // before more work is produced. It moves only when the preferred worker is backed up (more
  // than two tasks per thread) while another compatible worker has nothing at all to do; busy
  // workers balance by stealing instead.
  if (preferred_ok) {
    const bool backed_up =
        workers[preferred].queued > 2 * static_cast<std::size_t>(workers[preferred].threads);
    int idle = -1;
    for (int w = 0; w < static_cast<int>(workers.size()) && backed_up && idle < 0; ++w)
      if (w != preferred && can_run(backends, workers[w].backend) && workers[w].queued == 0 &&
          workers[w].executing < static_cast<std::size_t>(workers[w].threads))
        idle = w;
    return idle >= 0 ? idle : preferred;
  }
  int best = -1;
  for (int w = 0; w < static_cast<int>(workers.size()); ++w) {
    if (!can_run(backends, workers[w].backend)) continue;
    if (best < 0 || load_per_thread(w) < load_per_thread(best)) best = w;
  }
  return best;
}

}  // namespace tessera::detail
