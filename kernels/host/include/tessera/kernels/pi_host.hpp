// Monte Carlo pi on the CPU: counts the hits of a range of samples as defined in
// tessera/kernels/pi_hits.hpp, bit-identical to the GPU kernel and independent of chunking.
#pragma once

#include <cstdint>

#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels {

// Hits among samples [first_sample, first_sample + n_samples) under `seed`, on a Kokkos
// DefaultHostExecutionSpace instance (initializing Kokkos if needed); safe to call from several
// threads at once. Throws std::out_of_range if the range passes 2^64.
std::uint64_t count_pi_hits_host(std::uint64_t seed, std::uint64_t first_sample,
                                 std::uint64_t n_samples);

}  // namespace tessera::kernels
