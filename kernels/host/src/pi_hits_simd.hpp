// Internal: the per-instruction-set segment kernels behind host::pi_hits_at (simd.hpp), which
// picks one at run time so one binary runs fast on AVX-512, AVX2 and older CPUs.
#pragma once

#include <cstdint>

#include "simd_level.hpp"
#include "tessera/kernels/philox.hpp"
#include "tessera/kernels/pi_hits.hpp"

namespace tessera::kernels::detail {

// A segment kernel counts the hits of both samples of blocks (position << 16) | s for s in
// [first_sub, first_sub + n_blocks): blocks that share counter words x, y and differ only in z.
// n_blocks must be a multiple of the kernel's group size.
using PiSegmentKernel = std::uint64_t (*)(Uint2x32 key, std::uint64_t position,
                                          std::uint32_t first_sub, std::uint32_t n_blocks);

// AVX-512F kernel: 4 x 8 blocks per step, one block per 64-bit lane.
std::uint64_t pi_segment_hits_avx512(Uint2x32 key, std::uint64_t position, std::uint32_t first_sub,
                                     std::uint32_t n_blocks);
inline constexpr std::uint32_t kAvx512GroupBlocks = 32;

// AVX2 kernel: 4 x 4 blocks per step, one block per 64-bit lane.
std::uint64_t pi_segment_hits_avx2(Uint2x32 key, std::uint64_t position, std::uint32_t first_sub,
                                   std::uint32_t n_blocks);
inline constexpr std::uint32_t kAvx2GroupBlocks = 16;

}  // namespace tessera::kernels::detail
