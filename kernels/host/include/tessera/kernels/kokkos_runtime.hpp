// Lifetime of the Kokkos runtime the host kernels run on. Free of Kokkos headers on purpose, so
// core and scheduler code can call it without seeing Kokkos.
#pragma once

namespace tessera::kernels {

// Initializes Kokkos once per process (thread-safe, idempotent) and finalizes it at exit; does
// nothing if someone else already initialized Kokkos, leaving finalization to them.
void ensure_kokkos_initialized();

}  // namespace tessera::kernels
