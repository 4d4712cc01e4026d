// evaluate_cuda and reduce_cuda: the Thrust algorithms of box_algorithms.hpp (the same templates
// the CPU tests run on CPU threads) on the caller's stream, plus a tiled shared-memory kernel for
// 2-D programs that read a buffer transposed (evaluate_transposed.cu). Every element is the
// program's evaluate_element, as on the host.
//
// Reductions follow the fixed order of reduce_order.hpp, which depends only on the program and
// the box: the same bits on every device, grid size and backend (a host implementation of the
// order gives them too). Not CUB's DeviceReduce or BlockReduce: their association order is
// unspecified and changes with the GPU, the CUB version and the tuning policy, and sums, products
// and moments of doubles change with it.
#include <cuda_runtime.h>
#include <thrust/system/cuda/execution_policy.h>
#include <thrust/system_error.h>

#include <algorithm>
#include <vector>

#include "box_algorithms.hpp"
#include "cuda_check.hpp"
#include "device_scratch.hpp"
#include "evaluate_transposed.hpp"
#include "tessera/kernels/array_cuda.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/transpose_tiles.hpp"

namespace tessera::kernels {
namespace {

constexpr int kThreads = 256;

// Outputs of at most this many segments combine them on the device (one thread per output) and
// only the outputs are copied back; with more, the segments' partials are copied and combined on
// the host (the same reduce_fold_segments, so the same bits): one GPU thread folding thousands of
// partials in order would wait on each load, where the host folds them from its cache.
constexpr std::int64_t kDeviceFoldMaxSegments = 64;

// Kernel parameters live in a 32764-byte space (CUDA 12.1+, Volta and newer): the program must
// fit with room to spare, or it would have to go to device memory another way.
static_assert(sizeof(Program) + 2 * sizeof(TransposeTiles) + sizeof(StagedLeaves) + 64 <= 32764,
              "Program no longer fits in the kernel parameter space");
static_assert(sizeof(Program) % sizeof(std::uint32_t) == 0, "Program is copied in 32-bit words");

// Copies the program from this kernel's parameter to device memory, for the Thrust functors
// (box_algorithms.hpp says why they hold a pointer). A kernel rather than cudaMemcpyAsync, which
// from pageable host memory waits for the stream's earlier work: evaluate_cuda stays asynchronous.
__global__ void store_program_kernel(__grid_constant__ const Program program, Program* out) {
  const auto* from = reinterpret_cast<const std::uint32_t*>(&program);
  auto* to = reinterpret_cast<std::uint32_t*>(out);
  for (unsigned k = threadIdx.x; k < sizeof(Program) / sizeof(std::uint32_t); k += blockDim.x) {
    to[k] = from[k];
  }
}

// The program in device memory of `device`, in stream order, freed in stream order.
class DeviceProgram {
 public:
  DeviceProgram(int device, cudaStream_t stream, const Program& program)
      : memory_(device, stream, 1) {
    store_program_kernel<<<1, kThreads, 0, stream>>>(program, memory_.get());
    detail::cuda_check(cudaGetLastError(), "store_program_kernel");
  }
  const Program* get() const { return memory_.get(); }

 private:
  detail::DeviceScratch<Program> memory_;
};

// Runs a Thrust algorithm; Thrust reports launch failures as thrust::system_error (a
// std::runtime_error) after only peeking at the error, so it is cleared here as cuda_check does.
template <class Run>
void run_thrust(const Run& run) {
  try {
    run();
  } catch (const thrust::system_error&) {
    cudaGetLastError();
    throw;
  }
}

// The lane path of the fixed order (reduce_order.hpp), one block per segment: thread l is lane l,
// so consecutive threads read consecutive elements, and the lane tree runs in shared memory with
// the same halving strides, so the bits are those of the Thrust passes (box_algorithms.hpp, which
// the CPU tests run) and of reduce_host, without the lane partials' round trip through global
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

__global__ void __launch_bounds__(kThreads)
    uniform_kernel(std::uint64_t seed, std::uint64_t first, std::uint64_t n, double* out) {
  // Thread t makes the two doubles of the block holding doubles (first & ~1) + 2t and + 1.
  const std::uint64_t even_first = first & ~std::uint64_t{1};
  const std::uint64_t pairs = (first + n - even_first + 1) / 2;
  const std::uint64_t stride = std::uint64_t{gridDim.x} * blockDim.x;
  for (std::uint64_t t = std::uint64_t{blockIdx.x} * blockDim.x + threadIdx.x; t < pairs;
       t += stride) {
    const std::uint64_t i = even_first + 2 * t;
    const Uint4x32 u = philox_block(seed, uniform_double_block(i));
    if (i >= first) out[i - first] = uniform_double_from_bits(u.x, u.y);
    if (i + 1 < first + n) out[i + 1 - first] = uniform_double_from_bits(u.z, u.w);
  }
}

int device_multiprocessors(int device) {
  int sms = 0;
  detail::cuda_check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
                     "cudaDeviceGetAttribute");
  return sms;
}

// Enough blocks to fill the device, no more than the work needs.
unsigned grid_for(int device, std::int64_t threads_needed) {
  const int sms = device_multiprocessors(device);
  const std::int64_t full = std::int64_t{std::max(sms, 1)} * 8;
  const std::int64_t needed = (threads_needed + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::max<std::int64_t>(1, std::min(full * 16, needed)));
}

void check_launch(const char* what) {
  detail::cuda_check(cudaGetLastError(), what);
}

}  // namespace

void evaluate_cuda(int device, void* stream, const Program& program, const Box& box, DType out_type,
                   void* device_out) {
  const detail::EvaluatePlan plan = detail::plan_evaluate(program, box, out_type);
  const detail::CudaDeviceScope scope(device);
  const auto s = static_cast<cudaStream_t>(stream);
  const StagedLeaves staged = staged_leaves(program);
  if (staged.count > 0) {
    detail::evaluate_transposed(device, s, program, staged, box, out_type, device_out);
    return;
  }
  const DeviceProgram device_program(device, s, program);
  run_thrust([&] {
    detail::evaluate_box(thrust::cuda::par_nosync.on(s), device_program.get(), plan, device_out);
  });
}

void reduce_cuda(int device, void* stream, const Program& program, const Box& box,
                 const bool* reduce_axis, ReduceOp op, Partial* host_out) {
  const detail::ReducePlan plan = detail::plan_reduce(program, box, reduce_axis, op);
  const detail::CudaDeviceScope scope(device);
  const auto s = static_cast<cudaStream_t>(stream);
  const auto policy = thrust::cuda::par_nosync.on(s);
  const bool fold_here = plan.segments > kDeviceFoldMaxSegments;
  const bool fold_on_device = plan.segments > 1 && !fold_here;
  // Declared before anything is queued, so they are freed (in stream order) after it on every
  // path out of here, errors included.
  // Outputs of many elements take the block kernel above; small ones one thread each (Thrust).
  const detail::DeviceScratch<Partial> segments(device, s, plan.segment_partials());
  const detail::DeviceScratch<Partial> outputs(device, s, fold_on_device ? plan.outputs() : 0);
  const DeviceProgram device_program(device, s, program);
  if (plan.per_output) {
    run_thrust([&] {
      detail::reduce_box_segments(policy, device_program.get(), plan, nullptr, segments.get());
    });
  } else {
    const auto blocks = static_cast<unsigned>(std::min<std::int64_t>(
        plan.segment_partials(), std::int64_t{device_multiprocessors(device)} * 16));
    reduce_segments_kernel<<<blocks, kReduceLanes, 0, s>>>(device_program.get(), plan.kept,
                                                           plan.folded, plan.op, plan.segments,
                                                           plan.segment_partials(), segments.get());
    check_launch("reduce_cuda");
  }
  if (fold_on_device)
    run_thrust([&] { detail::fold_box_segments(policy, plan, segments.get(), outputs.get()); });
  // One copy back: the outputs, or the segments' partials to fold here.
  std::vector<Partial> segment_partials(fold_here ? plan.segment_partials() : 0);
  Partial* to = fold_here ? segment_partials.data() : host_out;
  const Partial* from = fold_on_device ? outputs.get() : segments.get();
  const std::int64_t count = fold_here ? plan.segment_partials() : plan.outputs();
  detail::cuda_check(cudaMemcpyAsync(to, from, sizeof(Partial) * count, cudaMemcpyDeviceToHost, s),
                     "reduce_cuda: cudaMemcpyAsync");
  detail::cuda_check(cudaStreamSynchronize(s), "reduce_cuda: cudaStreamSynchronize");
  if (fold_here) detail::fold_box_segments_here(plan, segment_partials.data(), host_out);
}

void generate_uniform_cuda(int device, void* stream, std::uint64_t seed, std::uint64_t first,
                           std::uint64_t n, double* device_out) {
  if (n == 0) return;
  const detail::CudaDeviceScope scope(device);
  uniform_kernel<<<grid_for(device, static_cast<std::int64_t>(n / 2 + 1)), kThreads, 0,
                   static_cast<cudaStream_t>(stream)>>>(seed, first, n, device_out);
  check_launch("generate_uniform_cuda");
}

void* cuda_malloc(int device, std::size_t bytes) {
  const detail::CudaDeviceScope scope(device);
  void* p = nullptr;
  detail::cuda_check(cudaMalloc(&p, bytes), "cudaMalloc");
  return p;
}

void cuda_free(int device, void* pointer) {
  const detail::CudaDeviceScope scope(device);
  detail::cuda_check(cudaFree(pointer), "cudaFree");
}

void cuda_copy(int device, void* to, const void* from, std::size_t bytes) {
  const detail::CudaDeviceScope scope(device);
  detail::cuda_check(cudaMemcpy(to, from, bytes, cudaMemcpyDefault), "cudaMemcpy");
}

void cuda_synchronize(int device, void* stream) {
  const detail::CudaDeviceScope scope(device);
  detail::cuda_check(cudaStreamSynchronize(static_cast<cudaStream_t>(stream)),
                     "cudaStreamSynchronize");
}

}  // namespace tessera::kernels
