#include "monte_carlo_pi.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "tessera/executor.hpp"
#include "tessera/kernels/cuda/pi_hits.hpp"
#include "tessera/kernels/cuda_device.hpp"
#include "tessera/kernels/host/pi_hits.hpp"
#include "tessera/run_graph.hpp"

namespace tessera {
namespace {

constexpr std::uint64_t kMaxChunkSamples = std::uint64_t{1} << 28;
// One task per chunk: a run holds at most this many (a 2^24-task graph is ~2 GiB of scheduler
// state), so at most 2^52 (4.5e15) samples with automatic chunks, hours on any machine.
constexpr std::uint64_t kMaxChunks = std::uint64_t{1} << 24;

struct WorkerCounts {
  int cpu = 0, gpu = 0, cpu_threads = 0, gpu_streams = 0;
};

WorkerCounts count_workers(const Executor& executor) {
  WorkerCounts counts;
  const std::vector<WorkerInfo> workers = executor.workers();
  // An executor without workers of its own runs tasks on the calling thread: one CPU.
  if (workers.empty()) counts.cpu = counts.cpu_threads = 1;
  for (const WorkerInfo& worker : workers) {
    if (worker.backend == Backend::host) {
      ++counts.cpu;
      counts.cpu_threads += worker.threads;
    } else if (worker.backend == Backend::cuda) {
      ++counts.gpu;
      counts.gpu_streams += worker.threads;
    }
  }
  return counts;
}

TaskPtr chunk_task(std::uint64_t seed, std::uint64_t first, std::uint64_t count,
                   BackendSet backends) {
  TaskFunction cpu = [=](std::span<const Value* const>, const TaskContext&) -> Value {
    return kernels::host::pi_hits({}, seed, first, count);
  };
  TaskFunction gpu;
  if (kernels::cuda_kernels_built())
    gpu = [=](std::span<const Value* const>, const TaskContext& context) -> Value {
      return kernels::cuda::pi_hits({context.device, context.stream}, seed, first, count);
    };
  TaskFunctions functions;
  if (backends.contains(Backend::host)) functions.on(Backend::host, std::move(cpu));
  if (backends.contains(Backend::cuda)) functions.on(Backend::cuda, std::move(gpu));
  return std::make_shared<const TaskNode>("pi_chunk", std::vector<TaskPtr>{}, std::move(functions));
}

}  // namespace

PiDevice parse_pi_device(const std::string& text) {
  if (text == "auto") return PiDevice::automatic;
  if (text == "cpu") return PiDevice::cpu;
  if (text == "gpu") return PiDevice::gpu;
  throw std::invalid_argument(fmt::format("invalid device '{}': use auto, cpu or gpu", text));
}

PiResult monte_carlo_pi(const PiOptions& options, Executor& executor) {
  if (options.samples == 0)
    throw std::invalid_argument("invalid samples 0: need at least one sample");
  const WorkerCounts workers = count_workers(executor);
  BackendSet backends{Backend::host};
  PiResult result;
  switch (options.device) {
    case PiDevice::cpu:
      if (workers.cpu == 0)
        throw std::invalid_argument("device cpu: the cluster has no CPU worker");
      result.device = "cpu";
      result.workers = workers.cpu;
      break;
    case PiDevice::gpu:
      if (workers.gpu == 0)
        throw std::invalid_argument(
            "device gpu: the cluster has no GPU worker (no CUDA device visible)");
      backends = {Backend::cuda};
      result.device = "gpu";
      result.workers = workers.gpu;
      break;
    case PiDevice::automatic:
      if (workers.gpu > 0)
        backends =
            workers.cpu > 0 ? BackendSet{Backend::host, Backend::cuda} : BackendSet{Backend::cuda};
      result.device = workers.gpu > 0 ? (workers.cpu > 0 ? "cpu+gpu" : "gpu") : "cpu";
      result.workers = workers.cpu + workers.gpu;
      break;
  }

  std::uint64_t chunks = options.chunks;
  if (chunks == 0) {
    const std::uint64_t slots =
        static_cast<std::uint64_t>(std::max(1, workers.cpu_threads + workers.gpu_streams));
    chunks = std::max<std::uint64_t>(slots * 2,
                                     (options.samples + kMaxChunkSamples - 1) / kMaxChunkSamples);
  }
  chunks = std::min(chunks, options.samples);
  if (chunks > kMaxChunks)
    throw std::invalid_argument(fmt::format(
        "invalid samples {} in {} chunks: a run holds at most {} chunks (one task each) of at most "
        "{} samples when chunks are automatic, so at most {} samples",
        options.samples, chunks, kMaxChunks, kMaxChunkSamples, kMaxChunks * kMaxChunkSamples));

  const auto start = std::chrono::steady_clock::now();
  std::vector<TaskPtr> parts;
  parts.reserve(chunks);
  for (std::uint64_t c = 0; c < chunks; ++c) {
    // Even split; the first (samples % chunks) chunks take one more sample.
    const std::uint64_t base = options.samples / chunks, extra = options.samples % chunks;
    const std::uint64_t first = c * base + std::min(c, extra);
    parts.push_back(chunk_task(options.seed, first, base + (c < extra ? 1 : 0), backends));
  }
  // The sum is host code; any worker (a GPU worker's host thread too) may run it.
  TaskFunction sum = [](std::span<const Value* const> inputs, const TaskContext&) -> Value {
    std::uint64_t hits = 0;
    for (const Value* part : inputs) hits += part->get<std::uint64_t>();
    return hits;
  };
  auto total =
      std::make_shared<const TaskNode>("pi_sum", std::move(parts), TaskFunctions::anywhere(sum));
  result.hits = run_graph(executor, {total})->output(0).get<std::uint64_t>();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  result.samples = options.samples;
  result.chunks = chunks;
  result.pi = 4.0 * static_cast<double>(result.hits) / static_cast<double>(options.samples);
  result.abs_error = std::abs(result.pi - std::numbers::pi);
  result.samples_per_second = result.seconds > 0 ? options.samples / result.seconds : 0;
  return result;
}

PiResult monte_carlo_pi(const PiOptions& options) {
  return monte_carlo_pi(options, *current_executor());
}

}  // namespace tessera
