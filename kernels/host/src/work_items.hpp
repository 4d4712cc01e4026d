// Internal: how the host kernels run their work items: Kokkos::parallel_for over a
// DefaultHostExecutionSpace instance, each item writing only its own outputs or partials. Never
// parallel_reduce: Kokkos 3.4's Serial backend shares one reduction scratch buffer among all
// instances, and several scheduler threads call the kernels at once.
#pragma once

#include <Kokkos_Core.hpp>
#include <cstdint>

#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera::kernels::detail {

inline std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// Runs body(w) for w in [0, n) on a fresh host execution space instance, and waits.
template <class Body>
void for_each_work_item(const char* name, std::int64_t n, const Body& body) {
  using ExecutionSpace = Kokkos::DefaultHostExecutionSpace;
  ensure_kokkos_initialized();
  const ExecutionSpace space;
  Kokkos::parallel_for(name, Kokkos::RangePolicy<ExecutionSpace>(space, 0, n),
                       [&body](const std::int64_t w) { body(w); });
  space.fence();
}

}  // namespace tessera::kernels::detail
