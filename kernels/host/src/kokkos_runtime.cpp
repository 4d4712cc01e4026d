// One Kokkos runtime per process, started on first use by whichever worker thread gets there first.
#include "tessera/kernels/kokkos_runtime.hpp"

#include <Kokkos_Core.hpp>
#include <cstdlib>
#include <mutex>

namespace tessera::kernels {

void ensure_kokkos_initialized() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (Kokkos::is_initialized()) return;  // the application owns Kokkos; it also finalizes it
    Kokkos::initialize();
    std::atexit([] {
      if (Kokkos::is_initialized()) Kokkos::finalize();
    });
  });
}

}  // namespace tessera::kernels
