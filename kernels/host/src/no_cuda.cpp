// Stand-ins for the CUDA kernel library in builds without CUDA, so code that asks
// "how many GPUs?" links everywhere: no devices, and anything that needs one throws.
#include <stdexcept>

#include "tessera/kernels/array_cuda.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/pi_cuda.hpp"

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

std::uint64_t count_pi_hits_cuda(int /*device*/, void* /*stream*/, std::uint64_t /*seed*/,
                                 std::uint64_t /*first_sample*/, std::uint64_t /*n_samples*/) {
  throw_no_cuda();
}

void evaluate_cuda(int /*device*/, void* /*stream*/, const Program& /*program*/, const Box& /*box*/,
                   DType /*out_type*/, void* /*device_out*/) {
  throw_no_cuda();
}

void reduce_cuda(int /*device*/, void* /*stream*/, const Program& /*program*/, const Box& /*box*/,
                 const bool* /*reduce_axis*/, ReduceOp /*op*/, Partial* /*host_out*/) {
  throw_no_cuda();
}

void generate_uniform_cuda(int /*device*/, void* /*stream*/, std::uint64_t /*seed*/,
                           std::uint64_t /*first*/, std::uint64_t /*n*/, double* /*device_out*/) {
  throw_no_cuda();
}

void* cuda_malloc(int /*device*/, std::size_t /*bytes*/) {
  throw_no_cuda();
}

void cuda_free(int /*device*/, void* /*pointer*/) {
  throw_no_cuda();
}

void cuda_copy(int /*device*/, void* /*to*/, const void* /*from*/, std::size_t /*bytes*/) {
  throw_no_cuda();
}

void cuda_synchronize(int /*device*/, void* /*stream*/) {
  throw_no_cuda();
}

}  // namespace tessera::kernels
