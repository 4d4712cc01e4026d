// Stand-ins for the CUDA kernel library in builds without CUDA, so code that asks
// "how many GPUs?" links everywhere: no devices, and anything that needs one throws.
#include <stdexcept>

#include "tessera/kernels/cuda/evaluate.hpp"
#include "tessera/kernels/cuda/generate.hpp"
#include "tessera/kernels/cuda/memory.hpp"
#include "tessera/kernels/cuda/pi_hits.hpp"
#include "tessera/kernels/cuda/reduce.hpp"
#include "tessera/kernels/cuda_device.hpp"

namespace tessera::kernels {
namespace {

[[noreturn]] void throw_no_cuda() {
  throw std::runtime_error("built without CUDA");
}

}  // namespace

bool cuda_kernels_built() noexcept {
  return false;
}

int cuda_device_count() noexcept {
  return 0;
}

CudaStatus cuda_status() {
  return {};  // no CUDA in this build is "no device", not a failure
}

CudaDeviceInfo cuda_device_info(int /*device*/) {
  throw_no_cuda();
}

CudaMemoryInfo cuda_memory_info(int /*device*/) {
  throw_no_cuda();
}

void* cuda_create_stream(int /*device*/) {
  throw_no_cuda();
}

void cuda_destroy_stream(int /*device*/, void* /*stream*/) {
  throw_no_cuda();
}

std::string cuda_stream_error(int /*device*/, void* /*stream*/) noexcept {
  return "built without CUDA";  // no stream can exist here; if asked, nothing works
}

}  // namespace tessera::kernels

// The kernels of tessera/kernels/cuda/, one section per file of kernels/cuda/src.
namespace tessera::kernels::cuda {

// evaluate.cu
void evaluate(const Place&, const Program&, const Box&, DType, void*) {
  throw_no_cuda();
}

// reduce.cu
void reduce(const Place&, const Program&, const Box&, const bool*, ReduceOp, Partial*) {
  throw_no_cuda();
}

// generate.cu
void generate_uniform(const Place&, std::uint64_t, std::uint64_t, std::uint64_t, double*) {
  throw_no_cuda();
}

// pi_hits.cu
std::uint64_t pi_hits(const Place&, std::uint64_t, std::uint64_t, std::uint64_t) {
  throw_no_cuda();
}

// memory.cpp
void* allocate(const Place&, std::size_t) {
  throw_no_cuda();
}

void release(const Place&, void*) noexcept {}  // nothing can have been allocated

void copy(const Place&, void*, const void*, std::size_t) {
  throw_no_cuda();
}

void synchronize(const Place&) {
  throw_no_cuda();
}

}  // namespace tessera::kernels::cuda
