#pragma once
// LocalCluster's options, with Dask's names and defaults, and the plan they resolve to.

#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tessera/executor.hpp"
#include "tessera/hardware.hpp"

namespace tessera {

/// A worker memory limit as Dask takes it: "auto", a byte count, a size string ("4GiB",
/// "500MB"), a fraction of system memory (a double 0 < f <= 1), or 0 / "0" for no limit.
class MemoryLimit {
 public:
  MemoryLimit(const char* text);  // NOLINT(google-explicit-constructor): "4GiB" reads naturally
  MemoryLimit(std::string text);  // NOLINT(google-explicit-constructor)
  template <std::integral I>
  MemoryLimit(I bytes) : MemoryLimit(checked_bytes(static_cast<long long>(bytes))) {}  // NOLINT
  MemoryLimit(double value);  // NOLINT(google-explicit-constructor)

  /// Bytes per worker for `system_memory` shared by `n_workers`; 0 means no limit.
  std::uint64_t resolve(std::uint64_t system_memory, int n_workers) const;
  /// The text it was given, for messages.
  const std::string& text() const noexcept { return text_; }

 private:
  struct Bytes {
    std::uint64_t value;
  };
  explicit MemoryLimit(Bytes bytes);
  static Bytes checked_bytes(long long bytes);

  enum class Kind { automatic, bytes, fraction } kind_ = Kind::automatic;
  std::uint64_t bytes_ = 0;
  double fraction_ = 0;
  std::string text_;
};

/// LocalCluster options. The first three are declared in Dask's order so that
/// `{.n_workers = 4, .threads_per_worker = 2, .memory_limit = "auto"}` compiles.
struct ClusterOptions {
  std::optional<int> n_workers;           ///< CPU workers; default from the CPU count
  std::optional<int> threads_per_worker;  ///< default from the CPU count
  MemoryLimit memory_limit = "auto";      ///< per worker
  std::optional<int> n_gpu_workers;       ///< default: one per visible CUDA device
  int streams_per_gpu = 2;                ///< CUDA streams (task slots) per GPU worker
  /// Where the dashboard listens: "host:port"; ":0" picks a free port; "" turns it off.
  /// A non-loopback host (e.g. "0.0.0.0:8787") requires the token printed in the link.
  std::string dashboard_address = "127.0.0.1:8787";
  std::string name;  ///< default: a random hex id
  /// Template of the printed dashboard link, like Dask's distributed.dashboard.link:
  /// {host}, {port}, {scheme} and any {ENVIRONMENT_VARIABLE}. Default: $TESSERA_DASHBOARD_LINK,
  /// else "http://{host}:{port}/status". Declared last so existing initializers keep compiling.
  std::string dashboard_link;
  /// Where spilled chunks go: a folder per cluster is made inside it and removed on close.
  /// Default: the system's temporary directory (Dask's local_directory).
  std::string local_directory;
  /// Fraction of the cluster's memory limit that persisted chunks may hold in memory before the
  /// least recently stored spill to disk (Dask's distributed.worker.memory.target).
  double memory_target = 0.6;
  /// Fraction of a worker's memory limit at which it stops starting tasks until results are
  /// freed (Dask's distributed.worker.memory.pause); values above 1 never pause.
  double memory_pause = 0.8;
  /// Fraction of the cluster's memory limit the whole process may use (resident memory, as
  /// /proc reports it) before the memory monitor spills persisted chunks, least recently stored
  /// first, until the process is back under memory_target (Dask's
  /// distributed.worker.memory.spill). 0 turns the monitor off.
  double memory_spill = 0.7;
  /// Spill files: "auto" (LZ4 where a trial shows it pays), "lz4" or "none" (Dask's
  /// distributed.worker.memory.spill-compression).
  std::string spill_compression = "auto";
  /// Per GPU worker, like dask-cuda's device_memory_limit: a fraction of its device (default
  /// 0.8; "auto" means the same), a byte count or a size string ("40GiB"); 0 for no limit.
  MemoryLimit device_memory_limit = 0.8;
  /// Workers of backends the program defined with define_backend() (a simulated device, an
  /// accelerator of its own), started as described (backend, threads, device, name,
  /// memory_limit) beside the CPU and GPU workers that n_workers and n_gpu_workers plan. This is
  /// how a new kind of place to run joins a cluster without an edit to the scheduler. A name left
  /// empty becomes "<backend>-<i>"; host and cuda workers are refused here (those two counts
  /// plan them).
  std::vector<WorkerInfo> backend_workers;
  /// CUDA devices of the GPU workers, one entry per worker, as indices among the visible
  /// devices (like dask-cuda's CUDA_VISIBLE_DEVICES): {1} puts one GPU worker on device 1, {0, 0}
  /// two on device 0. Default: the first n_gpu_workers devices. When given, n_gpu_workers
  /// defaults to its size and must equal it.
  std::vector<int> gpu_devices;
};

/// What a LocalCluster with given options starts on given hardware.
struct ClusterPlan {
  std::vector<WorkerInfo> workers;  ///< as they will be started: their description only
  int cpu_workers = 0;
  int gpu_workers = 0;
  int backend_workers = 0;         ///< of backends the program defined
  int total_threads = 0;           ///< CPU threads
  std::uint64_t total_memory = 0;  ///< host memory limit over all CPU workers (0: unlimited)
  std::uint64_t system_memory = 0;
  std::string cuda_error;  ///< Hardware::cuda_error: why there may be no GPU workers
};

/// Resolves options against hardware, Dask's way: with neither count given, CPUs <= 4 give one
/// single-threaded worker per CPU, else about sqrt(CPUs) workers. Throws std::invalid_argument
/// naming any bad value.
ClusterPlan plan_cluster(const ClusterOptions& options, const Hardware& hardware);

}  // namespace tessera
