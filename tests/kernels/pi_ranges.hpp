// Sample ranges on which every pi hit counter (each backend, each vector level) must equal the
// scalar reference count_pi_hits_scalar.
#pragma once

#include <cstdint>

namespace tessera::kernels::testing {

struct RangeCase {
  std::uint64_t seed, first, n;
};

// Ranges that start and end mid-block, cross 65536-block segments (131072 samples), are shorter
// than a vector step or than the GPU's threads, or sit past 2^49 where the counter's word y is
// nonzero.
constexpr RangeCase kRanges[] = {
    {1, 0, 1},
    {1, 1, 1},
    {2, 1, 2},
    {2, 3, 4},
    {3, 0, 64},
    {3, 1, 63},
    {3, 131071, 3},
    {4, 131071, 3},
    {5, 131072 - 101, 1001},
    {6, 12345, 300001},
    {4, 12345, 1000001},
    {0xffffffff00000000ull, (1ull << 49) - 77, 100003},
    {0xdeadbeefcafef00dull, 0xffffffffull * 131072 - 11, 262145},
};

}  // namespace tessera::kernels::testing
