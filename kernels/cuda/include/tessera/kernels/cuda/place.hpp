// Where a CUDA kernel runs: a device and a stream on it. Every kernel of a backend takes its Place
// first, as Thrust's algorithms take an execution policy (thrust::cuda::par.on(stream)), so
// kernels::cuda and kernels::host have the same function names and parameter lists. Plain C++
// (the stream is a cudaStream_t as void*), includable without CUDA headers.
#pragma once

namespace tessera::kernels::cuda {

struct Place {
  int device = 0;
  void* stream = nullptr;  // a cudaStream_t; nullptr is the device's default stream
};

}  // namespace tessera::kernels::cuda
