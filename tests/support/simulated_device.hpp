#pragma once
// Backends defined by the tests: simulated devices whose memory is host memory. They compute
// with the host kernels, keep their chunks in a HostDeviceMemory, and count what they ran, so a
// test can prove that chunks ran there and not on a host worker. Registering their kernels gives
// array chunk tasks a function for them: only test executables that want that include this.

#include <atomic>
#include <memory>
#include <string_view>

#include "host_device_memory.hpp"
#include "tessera/array_kernels.hpp"
#include "tessera/backend.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/reduce.hpp"

namespace tessera::test_support {

struct SimulatedDevice {
  const Backend backend;
  const std::shared_ptr<HostDeviceMemory> memory = std::make_shared<HostDeviceMemory>();
  std::atomic<int> evaluated{0}, reduced{0};
  std::atomic<int> foreign_calls{0};  ///< kernels called in a context of another backend

  /// `reads_host_chunks`: whether its kernels may read chunks in host memory, as a device with
  /// memory coherent with the host's would; without it, as with CUDA, it runs only programs that
  /// generate their inputs (random, constant, arange leaves).
  SimulatedDevice(std::string_view name, bool reads_host_chunks) : backend(define_backend(name)) {
    set_array_kernels(
        backend,
        {.memory = [this](const TaskContext&) -> std::shared_ptr<DeviceMemory> { return memory; },
         .evaluate =
             [this](const TaskContext& context, const kernels::Program& program,
                    const kernels::Box& box, kernels::DType dtype, void* out) {
               if (context.backend != backend) ++foreign_calls;
               ++evaluated;
               kernels::host::evaluate({}, program, box, dtype, out);
             },
         .reduce =
             [this](const TaskContext& context, const kernels::Program& program,
                    const kernels::Box& box, const bool* axes, kernels::ReduceOp op,
                    kernels::Partial* partials) {
               if (context.backend != backend) ++foreign_calls;
               ++reduced;
               kernels::host::reduce({}, program, box, axes, op, partials);
             },
         .reads_host_chunks = reads_host_chunks});
  }
};

/// A simulated device that, as CUDA, reads no host chunks; defined and registered on first use.
inline SimulatedDevice& simulated_device() {
  static SimulatedDevice device("simulated-device", /*reads_host_chunks=*/false);
  return device;
}

/// A simulated device whose kernels read host chunks too (memory coherent with the host's), so
/// it can run every chunk of any array program alone.
inline SimulatedDevice& simulated_coherent_device() {
  static SimulatedDevice device("simulated-coherent-device", /*reads_host_chunks=*/true);
  return device;
}

}  // namespace tessera::test_support
