// Splits a sample range into partial end blocks (scalar), and runs of whole blocks that share
// counter words x, y (one "segment" of up to 65536 blocks), which go to the vector kernels.
#include "pi_hits_simd.hpp"

#include <algorithm>

#include "tessera/kernels/pi_thread_work.hpp"

namespace tessera::kernels::detail {
namespace {

// Portable kernel: one block at a time (g++ -O3 may still vectorize it for the baseline ISA).
std::uint64_t pi_segment_hits_generic(Uint2x32 key, std::uint64_t position, std::uint32_t first_sub,
                                      std::uint32_t n_blocks) {
  const PhiloxBlocks blocks{key};
  std::uint64_t hits = 0;
  for (std::uint32_t s = first_sub; s < first_sub + n_blocks; ++s) {
    hits += pi_block_hits(blocks((position << 16) | s), true, true);
  }
  return hits;
}

struct SegmentKernel {
  PiSegmentKernel run;
  std::uint32_t group_blocks;
};

SegmentKernel kernel_for(SimdLevel level) {
  switch (level) {
#if defined(__x86_64__) || defined(__i386__)
    case SimdLevel::avx512:
      return {pi_segment_hits_avx512, kAvx512GroupBlocks};
    case SimdLevel::avx2:
      return {pi_segment_hits_avx2, kAvx2GroupBlocks};
#endif
    default:
      return {pi_segment_hits_generic, 1};
  }
}

}  // namespace
}  // namespace tessera::kernels::detail

namespace tessera::kernels::host {

std::uint64_t pi_hits_at(std::uint64_t seed, const PiSampleRange& range, SimdLevel level) {
  using namespace detail;
  if (range.first >= range.end) return 0;
  const Uint2x32 key = philox_key(seed);
  const PhiloxBlocks blocks{key};
  std::uint64_t hits = 0;
  std::uint64_t first = range.first;
  std::uint64_t end = range.end;
  if (first & 1u) {  // the range starts with the odd sample of a block
    hits += pi_block_hits_in_range(blocks, range, first >> 1);
    ++first;
  }
  if ((end & 1u) && end > first) {  // the range ends with the even sample of a block
    hits += pi_block_hits_in_range(blocks, range, end >> 1);
    --end;
  }
  const SegmentKernel kernel = kernel_for(level);
  const std::uint64_t end_block = end >> 1;
  for (std::uint64_t block = first >> 1; block < end_block;) {
    const std::uint64_t segment_end = std::min(end_block, (block | 0xffffu) + 1);
    const auto n_blocks = static_cast<std::uint32_t>(segment_end - block);
    const std::uint32_t n_vector = n_blocks / kernel.group_blocks * kernel.group_blocks;
    hits += kernel.run(key, block >> 16, static_cast<std::uint32_t>(block & 0xffffu), n_vector);
    for (std::uint64_t b = block + n_vector; b < segment_end; ++b) {
      hits += pi_block_hits(blocks(b), true, true);
    }
    block = segment_end;
  }
  return hits;
}

}  // namespace tessera::kernels::host
