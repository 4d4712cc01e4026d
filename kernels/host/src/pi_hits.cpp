// host::pi_hits on Kokkos: work blocks of a fixed number of samples, each writing its own
// partial into a View through parallel_for, summed here. Not parallel_reduce: Kokkos 3.4's Serial
// backend shares one reduction scratch buffer among all instances, so concurrent reductions from
// several scheduler worker threads would race (DESIGN.md, "Kokkos").
#include "tessera/kernels/host/pi_hits.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstddef>
#include <stdexcept>
#include <string>

#include "pi_hits_simd.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels {
namespace {

// Samples per work block: large enough that Kokkos overhead vanishes (about a millisecond of work),
// small enough to balance across threads on threaded backends. Work blocks are aligned to
// multiples of this in absolute sample index, so interior ones start on a whole Philox block.
constexpr std::uint64_t kSamplesPerWorkBlock = std::uint64_t{1} << 21;

// Counts the hits of one work block into its slot of `partials`.
struct PiWorkBlock {
  Kokkos::View<std::uint64_t*, Kokkos::HostSpace> partials;
  std::uint64_t seed;
  PiSampleRange range;
  std::uint64_t first_work_block;
  detail::SimdLevel level;

  void operator()(std::size_t w) const {
    const std::uint64_t start = (first_work_block + w) * kSamplesPerWorkBlock;
    // start <= range.end - 1, so this cannot wrap even in the last work block below 2^64.
    const std::uint64_t end =
        range.end - start <= kSamplesPerWorkBlock ? range.end : start + kSamplesPerWorkBlock;
    const PiSampleRange part{std::max(range.first, start), end};
    partials(w) = host::pi_hits_at(seed, part, level);
  }
};

}  // namespace

namespace host {

std::uint64_t pi_hits(const Place&, std::uint64_t seed, std::uint64_t first_sample,
                      std::uint64_t n_samples) {
  if (n_samples > ~std::uint64_t{0} - first_sample) {
    throw std::out_of_range("host::pi_hits: samples [" + std::to_string(first_sample) + ", +" +
                            std::to_string(n_samples) + ") pass 2^64");
  }
  if (n_samples == 0) return 0;
  ensure_kokkos_initialized();

  const PiSampleRange range{first_sample, first_sample + n_samples};
  const std::uint64_t first_work_block = range.first / kSamplesPerWorkBlock;
  const auto n_work_blocks =
      static_cast<std::size_t>((range.end - 1) / kSamplesPerWorkBlock - first_work_block + 1);

  using ExecutionSpace = Kokkos::DefaultHostExecutionSpace;
  const ExecutionSpace space;
  Kokkos::View<std::uint64_t*, Kokkos::HostSpace> partials(
      Kokkos::view_alloc(Kokkos::WithoutInitializing, "tessera::pi_partials"), n_work_blocks);
  Kokkos::parallel_for(
      "tessera::host::pi_hits", Kokkos::RangePolicy<ExecutionSpace>(space, 0, n_work_blocks),
      PiWorkBlock{partials, seed, range, first_work_block, detail::best_simd_level()});
  space.fence();

  std::uint64_t hits = 0;
  for (std::size_t w = 0; w < n_work_blocks; ++w) hits += partials(w);
  return hits;
}

}  // namespace host
}  // namespace tessera::kernels
