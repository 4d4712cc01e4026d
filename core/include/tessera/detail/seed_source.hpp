#pragma once
// Where random arrays without a seed get theirs. By default from std::random_device; under MPI
// every rank must build the same graph, so the cluster sets one base for all ranks and the n-th
// unseeded array gets the same seed on every rank.

#include <cstdint>

namespace tessera::detail {

/// From now on, unseeded random arrays take seeds derived from `base`, in call order.
void set_seed_source(std::uint64_t base);

}  // namespace tessera::detail
