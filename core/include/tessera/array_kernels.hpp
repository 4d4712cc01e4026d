#pragma once
// The array kernels of each backend: what lowering gives a chunk task for every backend that can
// run it. Host and CUDA register theirs here; a program (a test's simulated device) registers one
// for a backend it defined, and its workers then run array chunks with no edit to the scheduler.

#include <array>
#include <functional>
#include <memory>

#include "tessera/backend.hpp"
#include "tessera/kernels/program.hpp"
#include "tessera/task.hpp"

namespace tessera {

class DeviceMemory;

/// How one backend evaluates and reduces a chunk's fused program.
struct ArrayKernels {
  /// Where an evaluated chunk lives on the worker running `context`: null for host memory (the
  /// result is an NDArray), else its device's memory (the result is a DeviceArray, which the
  /// scheduler keeps in the store's device tier or copies to host memory).
  std::function<std::shared_ptr<DeviceMemory>(const TaskContext&)> memory;
  /// Writes `program` over `box` into `out` (elements of `dtype`, in the memory above), done when
  /// it returns.
  std::function<void(const TaskContext&, const kernels::Program&, const kernels::Box&,
                     kernels::DType, void* out)>
      evaluate;
  /// Reduces `program` over `box` along the axes flagged in `axes` into host `partials`.
  std::function<void(const TaskContext&, const kernels::Program&, const kernels::Box&,
                     const bool* axes, kernels::ReduceOp, kernels::Partial* partials)>
      reduce;
  /// Whether its programs may read chunks in host memory (other tasks' results): host's do; a
  /// device backend runs only programs that generate their inputs (random, constant, arange).
  bool reads_host_chunks = false;
};

/// Installs `kernels` for `backend` (replacing any): arrays lowered from now on give their chunk
/// tasks a function for it. Throws std::invalid_argument naming the backend when a kernel is
/// missing.
void set_array_kernels(Backend backend, ArrayKernels kernels);

/// The kernels of every backend that has them (null where none), as lowering sees them now.
std::array<std::shared_ptr<const ArrayKernels>, kMaxBackends> array_kernels();

}  // namespace tessera
