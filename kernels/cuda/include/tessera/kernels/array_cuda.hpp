// Fused array kernels on a GPU: the CUDA counterparts of array_host.hpp, running the same
// per-element semantics (program_eval.hpp, one thread per element; 2-D programs that read a
// buffer transposed go through shared-memory tiles). Plain C++ (streams are void*), includable
// without CUDA headers; in builds without CUDA every function throws.
//
// Leaves of type load_buffer must point to device memory of `device`. Results equal the host
// kernels bit for bit for programs built from arithmetic, comparisons and casts; exp, log, sin,
// cos, pow and normal leaves use CUDA's libm, which may differ from glibc's by an ulp or two.
#pragma once

#include <cstddef>
#include <cstdint>

#include "tessera/kernels/program.hpp"

namespace tessera::kernels {

/// Writes every element of `box` to device memory `device_out` (dtype `out_type`, row-major over
/// the box, converted as evaluate_host does). Asynchronous in `stream` (a cudaStream_t, or nullptr
/// for the default stream). Throws std::invalid_argument on a bad program or box (validate()),
/// std::runtime_error on CUDA errors.
void evaluate_cuda(int device, void* stream, const Program& program, const Box& box, DType out_type,
                   void* device_out);

/// reduce_host on the GPU: one Partial per element of the box's projection onto the kept axes
/// (reduce_axis[d] false; nullptr reduces every axis), row-major, written to host memory
/// `host_out`. Each output's elements combine in the fixed order of reduce_order.hpp, so the bits
/// depend only on the program and the box, never on the device or the grid: reduce_host follows
/// the same order, so a chunk gives the same bits on every backend. Blocks until the result is
/// there. Same exceptions as evaluate_cuda.
void reduce_cuda(int device, void* stream, const Program& program, const Box& box,
                 const bool* reduce_axis, ReduceOp op, Partial* host_out);

/// device_out[k] = uniform_double(seed, first + k) for k < n, asynchronous in `stream`.
void generate_uniform_cuda(int device, void* stream, std::uint64_t seed, std::uint64_t first,
                           std::uint64_t n, double* device_out);

/// `bytes` of device memory on `device` (cudaMalloc); throws std::runtime_error on failure.
void* cuda_malloc(int device, std::size_t bytes);

/// Frees memory from cuda_malloc.
void cuda_free(int device, void* pointer);

/// Copies `bytes` between any host and device memory (cudaMemcpy, synchronous).
void cuda_copy(int device, void* to, const void* from, std::size_t bytes);

/// Waits until everything queued in `stream` on `device` has finished.
void cuda_synchronize(int device, void* stream);

}  // namespace tessera::kernels
