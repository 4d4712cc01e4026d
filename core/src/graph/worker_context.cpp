// The worker contexts of host and CUDA, and the registry that gives each backend its own.
#include "tessera/worker_context.hpp"

#include <fmt/format.h>

#include <stdexcept>
#include <string_view>

#include "graph/backend_registry.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/executor.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"

namespace tessera {
namespace {

// A host thread holds nothing of its own, but its kernels need Kokkos started: started here, as
// the first host thread starts, rather than inside the first kernel a task runs (which would
// count the start-up as that task's time). The kernels still start it themselves when called
// outside a cluster.
std::unique_ptr<WorkerContext> host_context(const WorkerInfo&, int /*thread*/) {
  kernels::ensure_kokkos_initialized();
  return std::make_unique<WorkerContext>();
}

// A CUDA worker's thread: its own stream on the worker's device, so the worker's threads overlap
// on the device as dask-cuda's streams do.
class CudaStreamContext final : public WorkerContext {
 public:
  explicit CudaStreamContext(const WorkerInfo& worker)
      : device_(worker.device), worker_(worker.name) {
    // -1 is WorkerInfo's "no device", not a device: a CUDA worker must name the one it runs on.
    if (device_ < 0)
      throw std::invalid_argument(
          fmt::format("a CUDA worker needs a device index of 0 or more, got device {}", device_));
    try {
      stream_ = kernels::cuda_create_stream(device_);
    } catch (const std::exception& e) {
      throw std::runtime_error(
          fmt::format("cannot create a CUDA stream on device {}: {}", device_, e.what()));
    }
  }
  ~CudaStreamContext() override {
    // After a device fault the destroy reports the fault again. Closing must finish, and the
    // tasks' own errors already said what went wrong: warn and go on.
    try {
      kernels::cuda_destroy_stream(device_, stream_);
    } catch (const std::exception& e) {
      log_warning(fmt::format("worker {}: {}", worker_, e.what()));
    }
  }
  CudaStreamContext(const CudaStreamContext&) = delete;
  CudaStreamContext& operator=(const CudaStreamContext&) = delete;

  void* stream() const noexcept override { return stream_; }
  // After a kernel fault CUDA reports the fault from every call on the device: each later task
  // would fail the same way, so the worker must go out of service.
  std::string fault() const noexcept override {
    std::string error = kernels::cuda_stream_error(device_, stream_);
    if (error.empty()) return error;
    try {
      return fmt::format("device {} failed: {}", device_, error);
    } catch (...) {
      return error;
    }
  }

 private:
  int device_;
  std::string worker_;
  void* stream_ = nullptr;
};

constexpr std::string_view kWhat = "the worker contexts";  // "cannot set the worker contexts ..."

// Host and CUDA have theirs from the start; others come from set_worker_context_factory. Never
// destroyed: a process-lifetime cluster's threads may still be starting while the process exits.
detail::BackendRegistry<WorkerContextFactory>& registry() {
  static auto* instance = new detail::BackendRegistry<WorkerContextFactory>([] {
    detail::BackendRegistry<WorkerContextFactory>::Values built;
    built[backend_index(Backend::host)] =
        std::make_shared<const WorkerContextFactory>(host_context);
    built[backend_index(Backend::cuda)] = std::make_shared<const WorkerContextFactory>(
        [](const WorkerInfo& worker, int) -> std::unique_ptr<WorkerContext> {
          return std::make_unique<CudaStreamContext>(worker);
        });
    return built;
  }());
  return *instance;
}

}  // namespace

void set_worker_context_factory(Backend backend, WorkerContextFactory factory) {
  registry().set(
      backend, factory ? std::make_shared<const WorkerContextFactory>(std::move(factory)) : nullptr,
      kWhat);
}

std::unique_ptr<WorkerContext> make_worker_context(const WorkerInfo& worker, int thread) {
  const std::shared_ptr<const WorkerContextFactory> factory = registry().get(worker.backend);
  // Called outside the registry's lock: a factory may take long (a device's first stream starts
  // its context) and threads of other workers start at the same time.
  std::unique_ptr<WorkerContext> context = factory ? (*factory)(worker, thread) : nullptr;
  return context ? std::move(context) : std::make_unique<WorkerContext>();
}

}  // namespace tessera
