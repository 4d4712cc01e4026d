// Random generation on the CPU, vectorized for the running CPU. The CUDA counterpart is
// tessera/kernels/cuda/generate.hpp, with the same signature.
#pragma once

#include <cstdint>

#include "tessera/kernels/host/place.hpp"

namespace tessera::kernels::host {

/// out[k] = uniform_double(seed, first + k) for k < n (cuRAND's Philox doubles; philox.hpp).
void generate_uniform(const Place& place, std::uint64_t seed, std::uint64_t first, std::uint64_t n,
                      double* out);

}  // namespace tessera::kernels::host
