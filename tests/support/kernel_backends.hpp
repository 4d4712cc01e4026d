// The kernel backends as types, for tests written once over all of them (TYPED_TEST_SUITE with
// KernelBackends). kernels::host and kernels::cuda have the same function names and signatures
// (each takes its Place first), so a backend type only names its namespace's functions; a test
// calls TypeParam::evaluate(TypeParam::place(), ...) and moves data with the memory helpers.
//
// Both types are in every build: without CUDA the cuda functions are the stand-ins of
// kernels/host/src/no_cuda.cpp, and a CUDA case skips through TESSERA_SKIP_WITHOUT_BACKEND, the
// one skip for "this backend cannot run here", with the reason (no device, or CUDA failing, or a
// build without CUDA) rather than a silent pass.
#pragma once

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "tessera/kernels/cuda/evaluate.hpp"
#include "tessera/kernels/cuda/generate.hpp"
#include "tessera/kernels/cuda/memory.hpp"
#include "tessera/kernels/cuda/pi_hits.hpp"
#include "tessera/kernels/cuda/reduce.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/memory.hpp"
#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/kernels/host/reduce.hpp"

namespace tessera::kernels::testing {

struct HostBackend {
  static constexpr const char* kName = "host";
  static kernels::host::Place place() { return {}; }
  // Why the backend cannot run here; "" when it can.
  static std::string missing() { return ""; }

  static constexpr auto evaluate = &kernels::host::evaluate;
  static constexpr auto reduce = &kernels::host::reduce;
  static constexpr auto generate_uniform = &kernels::host::generate_uniform;
  static constexpr auto pi_hits = &kernels::host::pi_hits;
  static constexpr auto allocate = &kernels::host::allocate;
  static constexpr auto release = &kernels::host::release;
  static constexpr auto copy = &kernels::host::copy;
  static constexpr auto synchronize = &kernels::host::synchronize;
};

// Device 0, default stream.
struct CudaBackend {
  static constexpr const char* kName = "cuda";
  static kernels::cuda::Place place() { return {}; }
  static std::string missing() {
    if (!kernels::cuda_kernels_built()) return "built without CUDA";
    const kernels::CudaStatus cuda = kernels::cuda_status();
    return cuda.count == 0 ? cuda.describe() : "";
  }

  static constexpr auto evaluate = &kernels::cuda::evaluate;
  static constexpr auto reduce = &kernels::cuda::reduce;
  static constexpr auto generate_uniform = &kernels::cuda::generate_uniform;
  static constexpr auto pi_hits = &kernels::cuda::pi_hits;
  static constexpr auto allocate = &kernels::cuda::allocate;
  static constexpr auto release = &kernels::cuda::release;
  static constexpr auto copy = &kernels::cuda::copy;
  static constexpr auto synchronize = &kernels::cuda::synchronize;
};

using KernelBackends = ::testing::Types<HostBackend, CudaBackend>;

// Test names say the backend ("ArrayKernels/cuda.RejectsBadPrograms"), not its index.
struct BackendName {
  template <class Backend>
  static std::string GetName(int) {
    return Backend::kName;
  }
};

// `bytes` of the backend's memory, freed on scope exit.
template <class Backend>
class BackendBuffer {
 public:
  explicit BackendBuffer(std::size_t bytes)
      : bytes_(bytes), data_(Backend::allocate(Backend::place(), bytes == 0 ? 1 : bytes)) {}
  // A copy of host bytes.
  explicit BackendBuffer(const std::vector<std::uint8_t>& host) : BackendBuffer(host.size()) {
    Backend::copy(Backend::place(), data_, host.data(), host.size());
  }
  ~BackendBuffer() { Backend::release(Backend::place(), data_); }
  BackendBuffer(const BackendBuffer&) = delete;
  BackendBuffer& operator=(const BackendBuffer&) = delete;

  void* get() const { return data_; }
  // The contents as `T`s, after the backend's queued work has finished.
  template <class T = std::uint8_t>
  std::vector<T> read() const {
    Backend::synchronize(Backend::place());
    std::vector<T> out(bytes_ / sizeof(T));
    Backend::copy(Backend::place(), out.data(), data_, out.size() * sizeof(T));
    return out;
  }

 private:
  std::size_t bytes_;
  void* data_;
};

}  // namespace tessera::kernels::testing

// Skips the current test, with the reason, when `Backend` (a type above) cannot run here.
#define TESSERA_SKIP_WITHOUT_BACKEND(Backend)                                           \
  if (const std::string tessera_missing = Backend::missing(); !tessera_missing.empty()) \
  GTEST_SKIP() << tessera_missing
