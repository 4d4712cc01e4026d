// Monte Carlo pi on a GPU: the same hit count as host::pi_hits (tessera/kernels/pi_hits.hpp, the
// same signature), generated in registers by one fused kernel. Plain C++, includable without CUDA
// headers; in builds without CUDA it throws.
#pragma once

#include <cstdint>

#include "tessera/kernels/cuda/place.hpp"

namespace tessera::kernels::cuda {

// Hits among samples [first_sample, first_sample + n_samples) under `seed`, computed on
// `place.device` in `place.stream`; blocks until the result is back. Throws std::runtime_error on
// CUDA errors, std::out_of_range if the range passes 2^64.
std::uint64_t pi_hits(const Place& place, std::uint64_t seed, std::uint64_t first_sample,
                      std::uint64_t n_samples);

}  // namespace tessera::kernels::cuda
