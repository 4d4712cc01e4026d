// Random generation on a GPU: the CUDA counterpart of tessera/kernels/host/generate.hpp, with the
// same signature. Plain C++, includable without CUDA headers; in builds without CUDA it throws.
#pragma once

#include <cstdint>

#include "tessera/kernels/cuda/place.hpp"

namespace tessera::kernels::cuda {

/// out[k] = uniform_double(seed, first + k) for k < n, in device memory, asynchronous in
/// `place.stream`.
void generate_uniform(const Place& place, std::uint64_t seed, std::uint64_t first, std::uint64_t n,
                      double* out);

}  // namespace tessera::kernels::cuda
