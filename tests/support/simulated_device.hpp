#pragma once
// A device backend for tests of the device paths (device results, the store's device tier, a
// device worker taking over another's work) on machines without a GPU. It is a backend of its
// own, not a CUDA worker with a made-up device: its workers run the functions tasks have for it
// on host threads, hold no stream, and get their chunks' memory from a HostDeviceMemory.

#include "tessera/backend.hpp"

namespace tessera::test_support {

inline Backend simulated_device() {
  static const Backend backend = define_backend("simulated-device");
  return backend;
}

}  // namespace tessera::test_support
