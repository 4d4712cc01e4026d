#include "rank_devices.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace tessera::detail {

void choose_rank_devices(MPIClusterOptions& options, const RankPlace& place) {
  if (!options.gpu_devices.empty()) return;  // the program named them itself
  const int visible = place.visible_gpus;
  int first = -1;
  if (options.gpu_for_rank) {
    first = options.gpu_for_rank(place);
    if (first >= visible || first < -1)
      throw std::invalid_argument(fmt::format(
          "invalid device {} from gpu_for_rank for rank {} (node rank {}): {} CUDA device(s) "
          "visible; -1 means none",
          first, place.rank, place.node_rank, visible));
  } else if (visible > 0) {
    first = place.node_rank % visible;  // the node's ranks spread over its GPUs
  }
  if (first < 0) {
    // No device for this rank: no GPU worker unless asked (plan_cluster then names the shortage).
    if (!options.n_gpu_workers) options.n_gpu_workers = 0;
    return;
  }
  const int n = options.n_gpu_workers.value_or(1);
  if (n < 0) return;  // plan_cluster names the bad count
  for (int i = 0; i < n; ++i) options.gpu_devices.push_back((first + i) % visible);
  options.n_gpu_workers = n;
}

}  // namespace tessera::detail
