// Monte Carlo pi on the CPU: counts the hits of a range of samples as defined in
// tessera/kernels/pi_hits.hpp, bit-identical to the GPU kernel (tessera/kernels/cuda/pi_hits.hpp,
// the same signature) and independent of chunking.
#pragma once

#include <cstdint>

#include "tessera/kernels/host/place.hpp"

namespace tessera::kernels::host {

// Hits among samples [first_sample, first_sample + n_samples) under `seed`, on a Kokkos
// DefaultHostExecutionSpace instance (initializing Kokkos if needed); safe to call from several
// threads at once. Throws std::out_of_range if the range passes 2^64.
std::uint64_t pi_hits(const Place& place, std::uint64_t seed, std::uint64_t first_sample,
                      std::uint64_t n_samples);

}  // namespace tessera::kernels::host
