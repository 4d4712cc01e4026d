#include "tessera/cluster_options.hpp"

#include <fmt/format.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <optional>
#include <stdexcept>

#include "tessera/bytes.hpp"

namespace tessera {

namespace {

// `text` as a number when it is nothing else (surrounding spaces aside); nullopt when it has a
// unit or is no number at all.
std::optional<double> plain_number(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  double value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

MemoryLimit::MemoryLimit(const char* text) : MemoryLimit(std::string(text ? text : "")) {}

MemoryLimit::MemoryLimit(std::string text) : text_(std::move(text)) {
  if (text_ == "auto") return;
  // A bare number means what the same number does unquoted, as in Dask (which tries float()
  // first): "0.5" is half the memory, not 0.5 bytes (rounded down to 0, which means no limit).
  if (std::optional<double> number = plain_number(text_)) {
    const std::string given = std::move(text_);
    *this = MemoryLimit(*number);
    text_ = given;
    return;
  }
  try {
    bytes_ = parse_bytes(text_);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(fmt::format("invalid memory limit '{}': {}", text_, e.what()));
  }
  // Only a zero asks for no limit; a size below one byte ("0.5B") is a mistake, not that.
  if (bytes_ == 0 && text_.find_first_of("123456789") != std::string::npos)
    throw std::invalid_argument(fmt::format(
        "invalid memory limit '{}': less than one byte (0 means no limit; write it so)", text_));
  kind_ = Kind::bytes;
}

MemoryLimit::MemoryLimit(Bytes bytes)
    : kind_(Kind::bytes), bytes_(bytes.value), text_(std::to_string(bytes.value)) {}

MemoryLimit::Bytes MemoryLimit::checked_bytes(long long bytes) {
  if (bytes < 0)
    throw std::invalid_argument(fmt::format("invalid memory limit {}: negative", bytes));
  return {static_cast<std::uint64_t>(bytes)};
}

MemoryLimit::MemoryLimit(double value)
    : kind_(Kind::fraction), fraction_(value), text_(fmt::format("{}", value)) {
  if (!std::isfinite(value) || value < 0)
    throw std::invalid_argument(fmt::format(
        "invalid memory limit {}: must be a fraction in (0, 1] or a byte count", value));
  // As in Dask: a float up to 1 is a fraction of system memory, anything larger a byte count.
  if (value == 0 || value > 1) {
    // Converting 2^64 or more to an integer is undefined behaviour, not a large limit.
    if (value >= 18446744073709551616.0)
      throw std::invalid_argument(
          fmt::format("invalid memory limit {}: more than 2^64 bytes", value));
    kind_ = Kind::bytes;
    bytes_ = static_cast<std::uint64_t>(value);
  }
}

std::uint64_t MemoryLimit::resolve(std::uint64_t system_memory, int n_workers) const {
  switch (kind_) {
    case Kind::automatic:
      return n_workers > 0 ? system_memory / static_cast<std::uint64_t>(n_workers) : system_memory;
    case Kind::fraction:
      return static_cast<std::uint64_t>(fraction_ * static_cast<double>(system_memory));
    case Kind::bytes:
      break;
  }
  return bytes_;
}

namespace {

// Dask's nprocesses_nthreads: the smallest factor of n that is >= sqrt(n) workers.
std::pair<int, int> default_workers_threads(int cpus) {
  if (cpus <= 4) return {cpus, 1};
  int workers = cpus;
  for (int f = 1; f <= cpus; ++f)
    if (cpus % f == 0 && f >= std::sqrt(static_cast<double>(cpus))) {
      workers = f;
      break;
    }
  return {workers, cpus / workers};
}

void require_positive(const char* what, const std::optional<int>& value, bool allow_zero) {
  if (value && (*value < 0 || (*value == 0 && !allow_zero)))
    throw std::invalid_argument(
        fmt::format("invalid {} {}: must be {}", what, *value, allow_zero ? ">= 0" : ">= 1"));
}

}  // namespace

ClusterPlan plan_cluster(const ClusterOptions& options, const Hardware& hardware) {
  require_positive("n_workers", options.n_workers, /*allow_zero=*/true);
  require_positive("threads_per_worker", options.threads_per_worker, false);
  require_positive("n_gpu_workers", options.n_gpu_workers, true);
  if (options.streams_per_gpu < 1)
    throw std::invalid_argument(
        fmt::format("invalid streams_per_gpu {}: must be >= 1", options.streams_per_gpu));
  const int gpus = static_cast<int>(hardware.gpus.size());
  const auto cuda_failed = [&] {
    return hardware.cuda_error.empty() ? "" : " (CUDA failed: " + hardware.cuda_error + ")";
  };
  for (int device : options.gpu_devices)
    if (device < 0 || device >= gpus)
      throw std::invalid_argument(
          fmt::format("invalid gpu_devices entry {}: {} CUDA device(s) visible{}", device, gpus,
                      cuda_failed()));
  const bool devices_given = !options.gpu_devices.empty();
  if (devices_given && options.n_gpu_workers &&
      *options.n_gpu_workers != static_cast<int>(options.gpu_devices.size()))
    throw std::invalid_argument(
        fmt::format("invalid n_gpu_workers {}: gpu_devices names {} device(s), one per GPU worker",
                    *options.n_gpu_workers, options.gpu_devices.size()));
  if (!devices_given && options.n_gpu_workers && *options.n_gpu_workers > gpus)
    throw std::invalid_argument(
        fmt::format("invalid n_gpu_workers {}: only {} CUDA device(s) visible{}",
                    *options.n_gpu_workers, gpus, cuda_failed()));

  const int cpus = std::max(1, hardware.cpu_count);
  int n_workers, threads;
  if (!options.n_workers && !options.threads_per_worker) {
    std::tie(n_workers, threads) = default_workers_threads(cpus);
  } else if (!options.threads_per_worker) {
    n_workers = *options.n_workers;
    threads = std::max(1, n_workers > 0 ? cpus / n_workers : 1);
  } else if (!options.n_workers) {
    threads = *options.threads_per_worker;
    n_workers = std::max(1, cpus / threads);
  } else {
    n_workers = *options.n_workers;
    threads = *options.threads_per_worker;
  }
  const int n_gpu = devices_given ? static_cast<int>(options.gpu_devices.size())
                                  : options.n_gpu_workers.value_or(gpus);
  for (const WorkerInfo& worker : options.backend_workers) {
    if (worker.backend == Backend::host || worker.backend == Backend::cuda)
      throw std::invalid_argument(
          fmt::format("invalid backend_workers entry '{}': backend {} is planned by {}",
                      worker.name, backend_name(worker.backend),
                      worker.backend == Backend::host ? "n_workers" : "n_gpu_workers"));
    if (worker.threads < 1)
      throw std::invalid_argument(
          fmt::format("invalid threads {} for backend_workers entry '{}': must be >= 1",
                      worker.threads, worker.name));
  }
  if (n_workers + n_gpu == 0 && options.backend_workers.empty())
    throw std::invalid_argument(
        "invalid cluster: n_workers 0 and no GPU worker leaves nothing to run on");

  ClusterPlan plan;
  plan.system_memory = hardware.memory;
  plan.cuda_error = hardware.cuda_error;
  const std::uint64_t per_worker = options.memory_limit.resolve(hardware.memory, n_workers);
  for (int w = 0; w < n_workers; ++w)
    plan.workers.push_back({.backend = Backend::host,
                            .threads = threads,
                            .name = fmt::format("cpu-{}", w),
                            .memory_limit = per_worker});
  for (int g = 0; g < n_gpu; ++g) {
    // The device as detected, made a worker here.
    WorkerInfo worker = hardware.gpus[devices_given ? options.gpu_devices[g] : g];
    worker.threads = options.streams_per_gpu;
    worker.name = fmt::format("gpu-{}", g);
    worker.memory_limit = options.device_memory_limit.text() == "auto"
                              ? MemoryLimit(0.8).resolve(worker.device_memory, 1)
                              : options.device_memory_limit.resolve(worker.device_memory, 1);
    plan.workers.push_back(std::move(worker));
  }
  for (std::size_t i = 0; i < options.backend_workers.size(); ++i) {
    WorkerInfo worker = options.backend_workers[i];
    if (worker.name.empty()) worker.name = fmt::format("{}-{}", backend_name(worker.backend), i);
    plan.workers.push_back(std::move(worker));
  }
  plan.cpu_workers = n_workers;
  plan.gpu_workers = n_gpu;
  plan.backend_workers = static_cast<int>(options.backend_workers.size());
  plan.total_threads = n_workers * threads;
  plan.total_memory = per_worker * static_cast<std::uint64_t>(n_workers);
  return plan;
}

}  // namespace tessera
