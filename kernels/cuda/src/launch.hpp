// Internal: what the CUDA kernels of evaluate.cu, reduce.cu and generate.cu share: the program
// copied to device memory for Thrust's functors, Thrust error handling, and grid sizing.
#pragma once

#include <cuda_runtime.h>
#include <thrust/system_error.h>

#include <algorithm>
#include <cstdint>

#include "cuda_check.hpp"
#include "device_scratch.hpp"
#include "tessera/kernels/program.hpp"
#include "tessera/kernels/transpose_tiles.hpp"

namespace tessera::kernels::detail {

inline constexpr int kThreads = 256;

// Kernel parameters live in a 32764-byte space (CUDA 12.1+, Volta and newer): the program must
// fit with room to spare, or it would have to go to device memory another way.
static_assert(sizeof(Program) + 2 * sizeof(TransposeTiles) + sizeof(StagedLeaves) + 64 <= 32764,
              "Program no longer fits in the kernel parameter space");
static_assert(sizeof(Program) % sizeof(std::uint32_t) == 0, "Program is copied in 32-bit words");

// Copies the program from this kernel's parameter to device memory, for the Thrust functors
// (box_algorithms.hpp says why they hold a pointer). A kernel rather than cudaMemcpyAsync, which
// from pageable host memory waits for the stream's earlier work: cuda::evaluate stays asynchronous.
//
// It and DeviceProgram are in an unnamed namespace: without separable compilation each translation
// unit that launches the kernel needs its own copy, and an inline DeviceProgram calling it would
// name a different kernel in each.
namespace {

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
    cuda_check(cudaGetLastError(), "store_program_kernel");
  }
  const Program* get() const { return memory_.get(); }

 private:
  DeviceScratch<Program> memory_;
};

}  // namespace

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

inline int device_multiprocessors(int device) {
  int sms = 0;
  cuda_check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device),
             "cudaDeviceGetAttribute");
  return sms;
}

// Enough blocks to fill the device, no more than the work needs.
inline unsigned grid_for(int device, std::int64_t threads_needed) {
  const int sms = device_multiprocessors(device);
  const std::int64_t full = std::int64_t{std::max(sms, 1)} * 8;
  const std::int64_t needed = (threads_needed + kThreads - 1) / kThreads;
  return static_cast<unsigned>(std::max<std::int64_t>(1, std::min(full * 16, needed)));
}

inline void check_launch(const char* what) {
  cuda_check(cudaGetLastError(), what);
}

}  // namespace tessera::kernels::detail
