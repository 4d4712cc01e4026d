// Monte Carlo pi on a GPU: the same hit count as count_pi_hits_host (tessera/kernels/pi_hits.hpp),
// generated in registers by one fused kernel. Plain C++, includable without CUDA headers.
#pragma once

#include <cstdint>

namespace tessera::kernels {

// Hits among samples [first_sample, first_sample + n_samples) under `seed`, computed on `device`
// in `stream` (a cudaStream_t, or nullptr for the default stream); blocks until the result is
// back. Throws std::runtime_error on CUDA errors, std::out_of_range if the range passes 2^64.
std::uint64_t count_pi_hits_cuda(int device, void* stream, std::uint64_t seed,
                                 std::uint64_t first_sample, std::uint64_t n_samples);

}  // namespace tessera::kernels
