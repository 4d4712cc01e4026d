// cuda::reduce: the Thrust algorithms of box_algorithms.hpp (the same templates the CPU tests run
// on CPU threads) and a block-per-segment kernel, on the caller's stream.
//
// Reductions follow the fixed order of reduce_order.hpp, which depends only on the program and
// the box: the same bits on every device, grid size and backend (a host implementation of the
// order gives them too). Not CUB's DeviceReduce or BlockReduce: their association order is
// unspecified and changes with the GPU, the CUB version and the tuning policy, and sums, products
// and moments of doubles change with it.
#include <cuda_runtime.h>
#include <thrust/system/cuda/execution_policy.h>

#include <algorithm>
#include <vector>

#include "box_algorithms.hpp"
#include "launch.hpp"
#include "tessera/kernels/cuda/reduce.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels::cuda {
namespace {

// Outputs of at most this many segments combine them on the device (one thread per output) and
// only the outputs are copied back; with more, the segments' partials are copied and combined on
// the host (the same reduce_fold_segments, so the same bits): one GPU thread folding thousands of
// partials in order would wait on each load, where the host folds them from its cache.
constexpr std::int64_t kDeviceFoldMaxSegments = 64;

// The lane path of the fixed order (reduce_order.hpp), one block per segment: thread l is lane l,
// so consecutive threads read consecutive elements, and the lane tree runs in shared memory with
// the same halving strides, so the bits are those of the Thrust passes (box_algorithms.hpp, which
// the CPU tests run) and of host::reduce, without the lane partials' round trip through global
// memory and the one-thread-per-segment tree pass.
__global__ void __launch_bounds__(kReduceLanes)
    reduce_segments_kernel(const Program* program, const BoxGrid kept, const BoxGrid folded,
                           ReduceOp op, std::int64_t segments, std::int64_t all, Partial* out) {
  // Raw storage: Partial's member initializers are not allowed on a __shared__ array.
  __shared__ alignas(Partial) unsigned char storage[sizeof(Partial) * kReduceLanes];
  Partial* lanes = reinterpret_cast<Partial*>(storage);
  const int lane = static_cast<int>(threadIdx.x);
  for (std::int64_t g = blockIdx.x; g < all; g += gridDim.x) {
    const std::int64_t s = g % segments;
    std::int64_t idx[kMaxDims];
    kept.place(g / segments, idx);
    const detail::FoldedValue value{*program, folded, idx};
    const std::int64_t base = s * kReduceSegment;
    lanes[lane] = reduce_lane(reduce_segment_size(folded.size, s), lane, op,
                              [&](std::int64_t k) { return value(base + k); });
    __syncthreads();
    for (int w = kReduceLanes / 2; w > 0; w >>= 1) {
      if (lane < w) lanes[lane] = combine(lanes[lane], lanes[lane + w], op);
      __syncthreads();
    }
    if (lane == 0) out[g] = lanes[0];
    __syncthreads();  // the next segment reuses lanes[]
  }
}

}  // namespace

void reduce(const Place& place, const Program& program, const Box& box, const bool* reduce_axis,
            ReduceOp op, Partial* host_out) {
  const int device = place.device;
  const detail::ReducePlan plan = detail::plan_reduce(program, box, reduce_axis, op);
  const detail::CudaDeviceScope scope(device);
  const auto s = static_cast<cudaStream_t>(place.stream);
  const auto policy = thrust::cuda::par_nosync.on(s);
  const bool fold_here = plan.segments > kDeviceFoldMaxSegments;
  const bool fold_on_device = plan.segments > 1 && !fold_here;
  // Declared before anything is queued, so they are freed (in stream order) after it on every
  // path out of here, errors included.
  // Outputs of many elements take the block kernel above; small ones one thread each (Thrust).
  const detail::DeviceScratch<Partial> segments(device, s, plan.segment_partials());
  const detail::DeviceScratch<Partial> outputs(device, s, fold_on_device ? plan.outputs() : 0);
  const detail::DeviceProgram device_program(device, s, program);
  if (plan.per_output) {
    detail::run_thrust([&] {
      detail::reduce_box_segments(policy, device_program.get(), plan, nullptr, segments.get());
    });
  } else {
    const auto blocks = static_cast<unsigned>(std::min<std::int64_t>(
        plan.segment_partials(), std::int64_t{detail::device_multiprocessors(device)} * 16));
    reduce_segments_kernel<<<blocks, kReduceLanes, 0, s>>>(device_program.get(), plan.kept,
                                                           plan.folded, plan.op, plan.segments,
                                                           plan.segment_partials(), segments.get());
    detail::check_launch("cuda::reduce");
  }
  if (fold_on_device)
    detail::run_thrust(
        [&] { detail::fold_box_segments(policy, plan, segments.get(), outputs.get()); });
  // One copy back: the outputs, or the segments' partials to fold here.
  std::vector<Partial> segment_partials(fold_here ? plan.segment_partials() : 0);
  Partial* to = fold_here ? segment_partials.data() : host_out;
  const Partial* from = fold_on_device ? outputs.get() : segments.get();
  const std::int64_t count = fold_here ? plan.segment_partials() : plan.outputs();
  detail::cuda_check(cudaMemcpyAsync(to, from, sizeof(Partial) * count, cudaMemcpyDeviceToHost, s),
                     "cuda::reduce: cudaMemcpyAsync");
  detail::cuda_check(cudaStreamSynchronize(s), "cuda::reduce: cudaStreamSynchronize");
  if (fold_here) detail::fold_box_segments_here(plan, segment_partials.data(), host_out);
}

}  // namespace tessera::kernels::cuda
