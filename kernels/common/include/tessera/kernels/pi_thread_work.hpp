// How one GPU thread's share of a pi count is chosen and counted. It lives here, not in a .cu file,
// so the CPU tests can run it for every simulated (thread, grid) and prove the shares tile the
// range.
#pragma once

#include <cstdint>

#include "tessera/kernels/hd.hpp"
#include "tessera/kernels/pi_hits.hpp"

namespace tessera::kernels {

// Calls visit(block, take_even, take_odd) for each Philox block that thread `thread` of
// `n_threads` handles: a grid-stride walk over the blocks of `range`, with the flags saying which
// of the block's two samples (2B, 2B + 1) belong to the range.
template <class Visitor>
TESSERA_HD TESSERA_INLINE void for_each_thread_block(const PiSampleRange& range,
                                                     std::uint64_t thread, std::uint64_t n_threads,
                                                     Visitor&& visit) {
  const std::uint64_t end_block = range.end_block();
  for (std::uint64_t block = range.first_block() + thread; block < end_block; block += n_threads) {
    const std::uint64_t even = 2 * block;
    visit(block, even >= range.first, even + 1 < range.end);
  }
}

// Hits among the samples of `range` that thread `thread` of `n_threads` handles.
template <class BlockGenerator>
TESSERA_HD TESSERA_INLINE std::uint64_t count_pi_hits_thread(const BlockGenerator& blocks,
                                                             const PiSampleRange& range,
                                                             std::uint64_t thread,
                                                             std::uint64_t n_threads) {
  std::uint64_t hits = 0;
  for_each_thread_block(range, thread, n_threads,
                        [&](std::uint64_t block, bool take_even, bool take_odd) {
                          hits += pi_block_hits(blocks(block), take_even, take_odd);
                        });
  return hits;
}

// Hits of samples [first_sample, first_sample + n_samples), one block at a time: the reference
// every fast path is tested against.
TESSERA_HD TESSERA_INLINE std::uint64_t count_pi_hits_scalar(std::uint64_t seed,
                                                             std::uint64_t first_sample,
                                                             std::uint64_t n_samples) {
  return count_pi_hits_thread(PhiloxBlocks{philox_key(seed)},
                              PiSampleRange{first_sample, first_sample + n_samples}, 0, 1);
}

}  // namespace tessera::kernels
