// host::generate_uniform: the stream is cut into pieces, each written by one work item with the
// vector kernels of the running CPU (uniform_simd.hpp).
#include "tessera/kernels/host/generate.hpp"

#include <algorithm>

#include "simd_level.hpp"
#include "uniform_simd.hpp"
#include "work_items.hpp"

namespace tessera::kernels::host {

void generate_uniform(const Place&, std::uint64_t seed, std::uint64_t first, std::uint64_t n,
                      double* out) {
  // Pieces of 2^20 doubles: large enough that scheduling vanishes, small enough to balance.
  constexpr std::uint64_t kPiece = std::uint64_t{1} << 20;
  const detail::SimdLevel level = detail::best_simd_level();
  const auto pieces = static_cast<std::int64_t>(n / kPiece + (n % kPiece != 0));
  detail::for_each_work_item("tessera::host::generate_uniform", pieces, [&](std::int64_t w) {
    const std::uint64_t at = static_cast<std::uint64_t>(w) * kPiece;
    host::uniform_run_at(seed, first + at, std::min(kPiece, n - at), out + at, level);
  });
}

}  // namespace tessera::kernels::host
