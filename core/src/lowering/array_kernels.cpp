#include "tessera/array_kernels.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string_view>

#include "cuda_device_memory.hpp"
#include "graph/backend_registry.hpp"
#include "tessera/device_array.hpp"
#include "tessera/kernels/cuda/evaluate.hpp"
#include "tessera/kernels/cuda/memory.hpp"
#include "tessera/kernels/cuda/reduce.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/reduce.hpp"

namespace tessera {
namespace {

ArrayKernels host_kernels() {
  return {.memory = {},
          .evaluate = [](const TaskContext&, const kernels::Program& program,
                         const kernels::Box& box, kernels::DType dtype,
                         void* out) { kernels::host::evaluate({}, program, box, dtype, out); },
          .reduce =
              [](const TaskContext&, const kernels::Program& program, const kernels::Box& box,
                 const bool* axes, kernels::ReduceOp op, kernels::Partial* partials) {
                kernels::host::reduce({}, program, box, axes, op, partials);
              },
          .reads_host_chunks = true};
}

// On the worker's device and stream; evaluate waits for its stream, so the chunk is complete when
// the task returns and any thread may read it.
ArrayKernels cuda_kernels() {
  return {
      .memory =
          [](const TaskContext& context) { return detail::cuda_device_memory(context.device); },
      .evaluate =
          [](const TaskContext& context, const kernels::Program& program, const kernels::Box& box,
             kernels::DType dtype, void* out) {
            const kernels::cuda::Place place{context.device, context.stream};
            kernels::cuda::evaluate(place, program, box, dtype, out);
            kernels::cuda::synchronize(place);
          },
      .reduce =
          [](const TaskContext& context, const kernels::Program& program, const kernels::Box& box,
             const bool* axes, kernels::ReduceOp op, kernels::Partial* partials) {
            kernels::cuda::reduce({context.device, context.stream}, program, box, axes, op,
                                  partials);
          },
      .reads_host_chunks = false};
}

constexpr std::string_view kWhat = "array kernels";  // in errors: "cannot set array kernels ..."

// Host always; CUDA where this build has its kernels. Others come from set_array_kernels. Never
// destroyed: a process-lifetime cluster's tasks may still run while the process exits.
detail::BackendRegistry<ArrayKernels>& registry() {
  static auto* instance = new detail::BackendRegistry<ArrayKernels>([] {
    detail::BackendRegistry<ArrayKernels>::Values built;
    built[backend_index(Backend::host)] = std::make_shared<const ArrayKernels>(host_kernels());
    if (kernels::cuda_kernels_built())
      built[backend_index(Backend::cuda)] = std::make_shared<const ArrayKernels>(cuda_kernels());
    return built;
  }());
  return *instance;
}

}  // namespace

void set_array_kernels(Backend backend, ArrayKernels kernels) {
  detail::BackendRegistry<ArrayKernels>::require_index(backend, kWhat);
  if (!kernels.evaluate || !kernels.reduce)
    throw std::invalid_argument(fmt::format(
        "array kernels of backend '{}' need both evaluate and reduce", backend_name(backend)));
  registry().set(backend, std::make_shared<const ArrayKernels>(std::move(kernels)), kWhat);
}

std::array<std::shared_ptr<const ArrayKernels>, kMaxBackends> array_kernels() {
  return registry().all();
}

}  // namespace tessera
