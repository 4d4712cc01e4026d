#pragma once
// Which CUDA devices a rank's GPU workers use: a pure function of where the rank runs, so every
// rank decides for itself without talking, and a test can try any node layout.

#include <vector>

#include "tessera/mpi_cluster.hpp"

namespace tessera::detail {

/// Sets options.gpu_devices and options.n_gpu_workers for a rank at `place` (see
/// MPIClusterOptions::gpu_for_rank). Leaves both as given when gpu_devices names devices.
/// Throws std::invalid_argument naming a device gpu_for_rank picked that is not visible.
void choose_rank_devices(MPIClusterOptions& options, const RankPlace& place);

}  // namespace tessera::detail
