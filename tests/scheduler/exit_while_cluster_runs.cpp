// A short program computes on the default cluster and returns from main at once: the cluster
// lives for the process, so its worker threads may still be starting (making their worker
// contexts), or running, while exit destroys static objects. What those threads read must outlive
// exit. CI's ASan stage saw a worker read the destroyed worker-context registry here (1 run in
// ~50 under load); this program makes the order certain instead of waiting for the race: the
// check below is registered before anything else, so it runs after the destructors of every
// static made later, and reads what a late worker thread reads. Under AddressSanitizer a
// destroyed registry is a use-after-free report and a failed test; elsewhere the values checked.

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>

#include "tessera/array_kernels.hpp"
#include "tessera/backend.hpp"
#include "tessera/executor.hpp"  // WorkerInfo
#include "tessera/tessera.hpp"
#include "tessera/worker_context.hpp"

namespace {

tessera::Backend probe_backend() {
  static const tessera::Backend backend = tessera::define_backend("exit-probe");
  return backend;
}

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "after exit's static destructors: %s\n", what);
  std::_Exit(3);  // _Exit: no second round of exit handlers
}

void read_what_workers_read() {
  try {
    if (tessera::backend_name(probe_backend()) != "exit-probe") fail("backend name lost");
    if (!tessera::make_worker_context(tessera::WorkerInfo{.backend = probe_backend()}, 0))
      fail("no worker context");
    if (!tessera::array_kernels()[tessera::backend_index(tessera::Backend::host)])
      fail("host array kernels lost");
  } catch (const std::exception& e) {
    fail(e.what());
  }
}

int square(int x) {
  return x * x;
}

}  // namespace

int main() {
  std::atexit(read_what_workers_read);  // first: runs last
  // Registries made from here on are destroyed before the check runs, unless never destroyed.
  probe_backend();
  tessera::set_worker_context_factory(probe_backend(), [](const tessera::WorkerInfo&, int) {
    return std::unique_ptr<tessera::WorkerContext>();  // none: a plain context
  });
  const int result = tessera::delayed(square)(9).compute();
  if (result != 81) {
    std::fprintf(stderr, "delayed(square)(9) gave %d\n", result);
    return 1;
  }
  std::puts("computed; returning while the cluster runs");
  return 0;
}
