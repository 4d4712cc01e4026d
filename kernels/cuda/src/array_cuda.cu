// evaluate_cuda and reduce_cuda: one thread per element running evaluate_element (the same code
// as the host reference), the Program passed by value as a kernel parameter. Reductions: when
// each output gathers few elements, one thread per output; otherwise blocks of kThreads threads
// each fold a fixed segment of one output's elements and combine them with CUB's BlockReduce.
// The segment partials come back to the host and combine there in segment order, so the result
// depends only on the program and the box, never on the device or the grid.
#include <cuda_runtime.h>

#include <algorithm>
#include <cub/block/block_reduce.cuh>
#include <vector>

#include "cuda_check.hpp"
#include "tessera/kernels/array_cuda.hpp"
#include "tessera/kernels/box_grid.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/program_validate.hpp"

namespace tessera::kernels {
namespace {

constexpr int kThreads = 256;
// Elements one block folds into one partial in reduce_segments_kernel.
constexpr std::int64_t kSegment = kThreads * 32;
// Outputs with at most this many elements are reduced one thread per output.
constexpr std::int64_t kThreadPerOutputMax = 256;

// Kernel parameters live in a 32764-byte space (CUDA 12.1+, Volta and newer): the program must
// fit with room to spare, or it would have to go to constant memory instead.
static_assert(sizeof(Program) + 2 * sizeof(BoxGrid) + 64 <= 32764,
              "Program no longer fits in the kernel parameter space");

__global__ void __launch_bounds__(kThreads)
    evaluate_kernel(const Program program, const BoxGrid all, DType out_type, void* out) {
  const std::int64_t stride = std::int64_t{gridDim.x} * blockDim.x;
  for (std::int64_t e = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; e < all.size;
       e += stride) {
    std::int64_t idx[kMaxDims];
    all.place(e, idx);
    store_as(out_type, out, e, evaluate_element(program, idx));
  }
}

// One thread per output: folds the output's elements in order.
__global__ void __launch_bounds__(kThreads)
    reduce_outputs_kernel(const Program program, const BoxGrid kept, const BoxGrid folded,
                          ReduceOp op, Partial* out) {
  const std::int64_t stride = std::int64_t{gridDim.x} * blockDim.x;
  for (std::int64_t o = std::int64_t{blockIdx.x} * blockDim.x + threadIdx.x; o < kept.size;
       o += stride) {
    std::int64_t idx[kMaxDims];
    kept.place(o, idx);
    Partial p = identity(op);
    for (std::int64_t j = 0; j < folded.size; ++j) {
      folded.place(j, idx);
      accumulate(p, evaluate_element(program, idx), op);
    }
    out[o] = p;
  }
}

// combine() as a CUB reduction operator.
struct CombineOp {
  ReduceOp op;
  __device__ __forceinline__ Partial operator()(const Partial& a, const Partial& b) const {
    return combine(a, b, op);
  }
};

// One block per (output, segment of kSegment elements): out[o * segments + s].
__global__ void __launch_bounds__(kThreads)
    reduce_segments_kernel(const Program program, const BoxGrid kept, const BoxGrid folded,
                           std::int64_t segments, ReduceOp op, Partial* out) {
  using BlockReduce = cub::BlockReduce<Partial, kThreads>;
  __shared__ typename BlockReduce::TempStorage temp;
  for (std::int64_t b = blockIdx.x; b < kept.size * segments; b += gridDim.x) {
    const std::int64_t o = b / segments;
    const std::int64_t first = (b % segments) * kSegment;
    const std::int64_t end = min(folded.size, first + kSegment);
    std::int64_t idx[kMaxDims];
    kept.place(o, idx);
    Partial p = identity(op);
    for (std::int64_t j = first + threadIdx.x; j < end; j += kThreads) {
      folded.place(j, idx);
      accumulate(p, evaluate_element(program, idx), op);
    }
    const Partial total = BlockReduce(temp).Reduce(p, CombineOp{op});
    if (threadIdx.x == 0) out[b] = total;
    __syncthreads();  // temp is reused by the next iteration
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

// Enough blocks to fill the device, no more than the work needs.
unsigned grid_for(int device, std::int64_t threads_needed) {
  int sms = 0;
  detail::cuda_check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
                     "cudaDeviceGetAttribute");
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
  validate(program, box);
  if (out_type > DType::float64) {
    throw std::invalid_argument("tessera::kernels: unknown output dtype " +
                                std::to_string(static_cast<int>(out_type)));
  }
  const detail::CudaDeviceScope scope(device);
  const BoxGrid all = box_grid(program.ndim, box, nullptr, true);
  evaluate_kernel<<<grid_for(device, all.size), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      program, all, out_type, device_out);
  check_launch("evaluate_cuda");
}

void reduce_cuda(int device, void* stream, const Program& program, const Box& box,
                 const bool* reduce_axis, ReduceOp op, Partial* host_out) {
  validate(program, box);
  if (op > ReduceOp::moments) {
    throw std::invalid_argument("tessera::kernels: unknown reduction " +
                                std::to_string(static_cast<int>(op)));
  }
  const detail::CudaDeviceScope scope(device);
  const auto s = static_cast<cudaStream_t>(stream);
  const BoxGrid kept = box_grid(program.ndim, box, reduce_axis, false);
  const BoxGrid folded = box_grid(program.ndim, box, reduce_axis, true);
  const bool per_thread = folded.size <= kThreadPerOutputMax;
  const std::int64_t segments = per_thread ? 1 : (folded.size + kSegment - 1) / kSegment;
  const std::int64_t n_partials = kept.size * segments;

  Partial* d_partials = nullptr;
  detail::cuda_check(
      cudaMallocAsync(reinterpret_cast<void**>(&d_partials), sizeof(Partial) * n_partials, s),
      "cudaMallocAsync");
  std::vector<Partial> partials(static_cast<std::size_t>(n_partials));
  if (per_thread) {
    reduce_outputs_kernel<<<grid_for(device, kept.size), kThreads, 0, s>>>(program, kept, folded,
                                                                           op, d_partials);
  } else {
    const auto blocks = static_cast<unsigned>(std::min<std::int64_t>(n_partials, 1 << 20));
    reduce_segments_kernel<<<blocks, kThreads, 0, s>>>(program, kept, folded, segments, op,
                                                       d_partials);
  }
  cudaError_t status = cudaGetLastError();
  if (status == cudaSuccess) {
    status = cudaMemcpyAsync(partials.data(), d_partials, sizeof(Partial) * n_partials,
                             cudaMemcpyDeviceToHost, s);
  }
  const cudaError_t free_status = cudaFreeAsync(d_partials, s);
  const cudaError_t sync_status = cudaStreamSynchronize(s);
  detail::cuda_check(status, "reduce_cuda");
  detail::cuda_check(free_status, "cudaFreeAsync");
  detail::cuda_check(sync_status, "cudaStreamSynchronize");

  for (std::int64_t o = 0; o < kept.size; ++o) {
    Partial total = identity(op);
    for (std::int64_t k = 0; k < segments; ++k)
      total = combine(total, partials[o * segments + k], op);
    host_out[o] = total;
  }
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
