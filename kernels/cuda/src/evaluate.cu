// cuda::evaluate: the Thrust algorithm of box_algorithms.hpp (the same template the CPU tests run
// on CPU threads) on the caller's stream, or, for 2-D programs that read a buffer transposed, a
// tiled shared-memory kernel (evaluate_transposed.cu). Every element is the program's
// evaluate_element, as on the host.
#include <thrust/system/cuda/execution_policy.h>

#include "box_algorithms.hpp"
#include "evaluate_transposed.hpp"
#include "launch.hpp"
#include "tessera/kernels/cuda/evaluate.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels::cuda {

void evaluate(const Place& place, const Program& program, const Box& box, DType out_type,
              void* out) {
  const int device = place.device;
  const detail::EvaluatePlan plan = detail::plan_evaluate(program, box, out_type);
  const detail::CudaDeviceScope scope(device);
  const auto s = static_cast<cudaStream_t>(place.stream);
  const StagedLeaves staged = staged_leaves(program);
  if (staged.count > 0) {
    detail::evaluate_transposed(device, s, program, staged, box, out_type, out);
    return;
  }
  const detail::DeviceProgram device_program(device, s, program);
  detail::run_thrust([&] {
    detail::evaluate_box(thrust::cuda::par_nosync.on(s), device_program.get(), plan, out);
  });
}

}  // namespace tessera::kernels::cuda
