// GPU figures of Tessera, each against the device-to-device copy bandwidth measured in the same
// run: Monte Carlo pi (raw kernel and through a cluster of GPU workers), (x + x.T).mean() from
// random leaves on a LocalCluster, and a materialized p + p.T and its sum at kernel level.
// Prints one JSON object on stdout (benchmarks/gpu/compare_cupy.py puts it beside CuPy's).
//
// This program runs unattended on a GPU machine in one short session, so every section catches
// its own failure and records it in the JSON, a watchdog prints what was measured if something
// hangs, and no CUDA device is an error (exit 2), never a silent skip.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "monte_carlo_pi.hpp"
#include "tessera/kernels/cuda/evaluate.hpp"
#include "tessera/kernels/cuda/generate.hpp"
#include "tessera/kernels/cuda/pi_hits.hpp"
#include "tessera/kernels/cuda/reduce.hpp"
#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/philox.hpp"
#include "tessera/kernels/program.hpp"
#include "tessera/tessera.hpp"

namespace {

namespace ts = tessera;
namespace tk = tessera::kernels;
using json = nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr int kDevice = 0;
constexpr std::uint64_t kSeed = 42;  // the CuPy anchor uses the same seed
constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;

// ---------------------------------------------------------------------------------------------
// Options

struct Options {
  bool quick = false;
  std::string out_path;
  double timeout_s = 100;  // below compare_cupy.py's 120 s child timeout, so partial results come
                           // back with a message instead of the child being killed silently
};

[[noreturn]] void usage_error(const std::string& message) {
  std::fprintf(stderr,
               "bench_gpu: %s\nusage: bench_gpu [--quick] [--out FILE] [--timeout SECONDS]\n",
               message.c_str());
  std::exit(64);
}

Options parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage_error(arg + " needs a value");
      return argv[++i];
    };
    if (arg == "--quick") {
      options.quick = true;
    } else if (arg == "--out") {
      options.out_path = value();
    } else if (arg == "--timeout") {
      const std::string text = value();
      try {
        options.timeout_s = std::stod(text);
      } catch (const std::exception&) {
        usage_error("invalid --timeout '" + text + "'");
      }
      if (!(options.timeout_s > 0)) usage_error("invalid --timeout '" + text + "': must be > 0");
    } else if (arg == "--help" || arg == "-h") {
      std::printf("usage: bench_gpu [--quick] [--out FILE] [--timeout SECONDS]\n");
      std::exit(0);
    } else {
      usage_error("unknown argument '" + arg + "'");
    }
  }
  return options;
}

// ---------------------------------------------------------------------------------------------
// The result document, shared with the watchdog thread.

class Report {
 public:
  void set(const std::string& key, json value) {
    std::lock_guard lock(mutex_);
    doc_[key] = std::move(value);
  }
  void add_error(const std::string& section, const std::string& message) {
    std::fprintf(stderr, "bench_gpu: %s failed: %s\n", section.c_str(), message.c_str());
    std::lock_guard lock(mutex_);
    doc_["errors"].push_back({{"section", section}, {"message", message}});
  }
  void enter(const std::string& section) {
    std::fprintf(stderr, "bench_gpu: %s ...\n", section.c_str());
    std::lock_guard lock(mutex_);
    section_ = section;
  }
  std::string section() const {
    std::lock_guard lock(mutex_);
    return section_;
  }
  bool has_errors() const {
    std::lock_guard lock(mutex_);
    return doc_.contains("errors") && !doc_["errors"].empty();
  }
  // Prints the document (and writes it to `path` when given) once: the first caller wins, so the
  // watchdog and the end of main never both print. Safe from any thread.
  bool emit(const std::string& path, bool ok) {
    std::string text;
    {
      std::lock_guard lock(mutex_);
      if (emitted_) return false;
      emitted_ = true;
      doc_["ok"] = ok;
      if (!doc_.contains("errors")) doc_["errors"] = json::array();
      text = doc_.dump(2, ' ', false, json::error_handler_t::replace);
    }
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
    if (!path.empty()) {
      std::ofstream file(path);
      file << text << '\n';
      if (!file) std::fprintf(stderr, "bench_gpu: cannot write --out file '%s'\n", path.c_str());
    }
    return true;
  }

 private:
  mutable std::mutex mutex_;
  json doc_ = json::object();
  std::string section_ = "start";
  bool emitted_ = false;
};

Report report;

// Prints what was measured and exits if the run passes its deadline (a hung cluster or kernel
// must not leave the caller with nothing).
class Watchdog {
 public:
  Watchdog(double seconds, std::string out_path)
      : out_path_(std::move(out_path)), thread_([this, seconds] { run(seconds); }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void run(double seconds) {
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, std::chrono::duration<double>(seconds), [this] { return done_; }))
      return;
    const std::string section = report.section();
    if (section == "done") return;  // main is printing the finished report
    report.add_error(section, "timed out: bench_gpu passed its --timeout of " +
                                  std::to_string(seconds) + " s in this section");
    if (!report.emit(out_path_, false)) return;
    std::fprintf(stderr, "bench_gpu: TIMEOUT in section '%s' after %.0f s; partial results above\n",
                 section.c_str(), seconds);
    std::_Exit(3);
  }

  std::string out_path_;
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

// ---------------------------------------------------------------------------------------------
// CUDA helpers (runtime calls made here directly; the library's calls throw on their own).

void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess)
    throw std::runtime_error(std::string(what) + ": " + cudaGetErrorName(status) + " (" +
                             cudaGetErrorString(status) + ")");
}

class Stream {
 public:
  Stream() {
    check(cudaStreamCreateWithFlags(&stream_, cudaStreamNonBlocking), "cudaStreamCreate");
  }
  ~Stream() { cudaStreamDestroy(stream_); }
  Stream(const Stream&) = delete;
  Stream& operator=(const Stream&) = delete;
  cudaStream_t get() const { return stream_; }
  void* handle() const { return static_cast<void*>(stream_); }
  void sync() const { check(cudaStreamSynchronize(stream_), "cudaStreamSynchronize"); }

 private:
  cudaStream_t stream_ = nullptr;
};

class Event {
 public:
  Event() { check(cudaEventCreate(&event_), "cudaEventCreate"); }
  ~Event() { cudaEventDestroy(event_); }
  Event(const Event&) = delete;
  Event& operator=(const Event&) = delete;
  void record(const Stream& stream) {
    check(cudaEventRecord(event_, stream.get()), "cudaEventRecord");
  }
  cudaEvent_t get() const { return event_; }

 private:
  cudaEvent_t event_ = nullptr;
};

// Seconds between two recorded events (waits for the second).
double event_seconds(const Event& start, const Event& stop) {
  check(cudaEventSynchronize(stop.get()), "cudaEventSynchronize");
  float ms = 0;
  check(cudaEventElapsedTime(&ms, start.get(), stop.get()), "cudaEventElapsedTime");
  return ms / 1e3;
}

// `reps` timed calls of call(rep): wall seconds from just before the call until `stream` is idle
// after it, and event seconds between events recorded on `stream` around it.
struct Timings {
  std::vector<double> wall, event;
};
Timings time_calls(const Stream& stream, int reps, const std::function<void(int)>& call) {
  Timings t;
  Event start, stop;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    start.record(stream);
    call(r);
    stop.record(stream);
    stream.sync();
    t.wall.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    t.event.push_back(event_seconds(start, stop));
  }
  return t;
}

class DeviceBuffer {
 public:
  explicit DeviceBuffer(std::size_t bytes) : bytes_(bytes) {
    check(cudaMalloc(&pointer_, bytes),
          ("cudaMalloc of " + std::to_string(bytes) + " bytes").c_str());
  }
  ~DeviceBuffer() { cudaFree(pointer_); }
  DeviceBuffer(const DeviceBuffer&) = delete;
  DeviceBuffer& operator=(const DeviceBuffer&) = delete;
  template <class T = void>
  T* get() const {
    return static_cast<T*>(pointer_);
  }
  std::size_t bytes() const { return bytes_; }

 private:
  void* pointer_ = nullptr;
  std::size_t bytes_;
};

std::size_t free_device_memory() {
  std::size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return free;
}

// ---------------------------------------------------------------------------------------------
// Timing: a warm-up, then repetitions; best and median of wall (and event) seconds.

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double median(std::vector<double> values) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const std::size_t m = values.size() / 2;
  return values.size() % 2 ? values[m] : 0.5 * (values[m - 1] + values[m]);
}

double best(const std::vector<double>& values) {
  return values.empty() ? 0 : *std::min_element(values.begin(), values.end());
}

json timing_json(const std::vector<double>& wall, const std::vector<double>& event = {}) {
  json j = {{"reps", wall.size()},
            {"wall_seconds_best", best(wall)},
            {"wall_seconds_median", median(wall)},
            {"wall_seconds_all", wall}};
  if (!event.empty()) {
    j["event_seconds_best"] = best(event);
    j["event_seconds_median"] = median(event);
  }
  return j;
}

// Repetitions that keep a section near `budget_s` given how long one call took, within [lo, hi].
int reps_for(double one_call_s, double budget_s, int lo, int hi) {
  if (!(one_call_s > 0)) return hi;
  return std::clamp(static_cast<int>(budget_s / one_call_s), lo, hi);
}

// Runs `section` and records any failure under its name; returns whether it succeeded.
bool guarded(const std::string& name, const std::function<void()>& section) {
  report.enter(name);
  try {
    section();
    return true;
  } catch (const std::exception& e) {
    report.add_error(name, e.what());
  } catch (...) {
    report.add_error(name, "unknown exception");
  }
  return false;
}

// ---------------------------------------------------------------------------------------------
// Sections

json device_section() {
  cudaDeviceProp prop{};
  check(cudaGetDeviceProperties(&prop, kDevice), "cudaGetDeviceProperties");
  int runtime_version = 0, driver_version = 0;
  cudaRuntimeGetVersion(&runtime_version);
  cudaDriverGetVersion(&driver_version);
  std::size_t free = 0, total = 0;
  check(cudaMemGetInfo(&free, &total), "cudaMemGetInfo");
  return {{"index", kDevice},
          {"name", prop.name},
          {"sm_count", prop.multiProcessorCount},
          {"compute_capability", std::to_string(prop.major) + "." + std::to_string(prop.minor)},
          {"total_memory_bytes", prop.totalGlobalMem},
          {"total_memory_gib", prop.totalGlobalMem / kGiB},
          {"free_memory_bytes_at_start", free},
          {"l2_cache_bytes", prop.l2CacheSize},
          {"memory_bus_width_bits", prop.memoryBusWidth},
          {"cuda_runtime_version", runtime_version},
          {"cuda_driver_version", driver_version}};
}

// Device-to-device cudaMemcpyAsync of ~2 GiB. copy_gbps counts bytes read plus bytes written
// (2 x size per copy), the convention the other sections' "bytes moved" use.
json copy_section(bool quick, double& copy_gbps_out) {
  std::size_t bytes = std::size_t{1} << 31;  // 2 GiB
  while (bytes > (std::size_t{1} << 26) &&
         2 * bytes + (std::size_t{1} << 30) > free_device_memory())
    bytes /= 2;
  const int reps = quick ? 10 : 20;
  DeviceBuffer a(bytes), b(bytes);
  Stream stream;
  check(cudaMemsetAsync(a.get(), 0x5a, bytes, stream.get()), "cudaMemsetAsync");
  check(cudaMemcpyAsync(b.get(), a.get(), bytes, cudaMemcpyDeviceToDevice, stream.get()),
        "cudaMemcpyAsync (warm-up)");
  stream.sync();
  const auto [wall, event] = time_calls(stream, reps, [&](int) {
    check(cudaMemcpyAsync(b.get(), a.get(), bytes, cudaMemcpyDeviceToDevice, stream.get()),
          "cudaMemcpyAsync");
  });
  const double t = best(event);
  copy_gbps_out = 2.0 * bytes / t / 1e9;
  json j = timing_json(wall, event);
  j["bytes_per_copy"] = bytes;
  j["bytes_moved_per_copy"] = 2 * bytes;
  j["copy_gbps"] = copy_gbps_out;
  j["copy_gbps_median"] = 2.0 * bytes / median(event) / 1e9;
  j["one_way_gbps"] = bytes / t / 1e9;
  j["convention"] =
      "copy_gbps = (bytes read + bytes written) / best event time = 2 * size / t; "
      "one_way_gbps = size / t; GB = 1e9 bytes";
  return j;
}

// cuda::pi_hits, the library's raw GPU pi kernel: samples per second.
json pi_kernel_section(bool quick, std::uint64_t& hits_at_zero, std::uint64_t& samples_out) {
  Stream stream;
  // Warm-up, then calibrate the sample count so one call takes ~0.25 s (capped).
  tk::cuda::pi_hits({kDevice, stream.handle()}, kSeed, 0, std::uint64_t{1} << 24);
  const std::uint64_t probe = std::uint64_t{1} << 30;
  auto t0 = Clock::now();
  tk::cuda::pi_hits({kDevice, stream.handle()}, kSeed, 0, probe);
  const double probe_s = seconds_since(t0);
  const double rate = probe / std::max(probe_s, 1e-6);
  const std::uint64_t cap = quick ? (std::uint64_t{1} << 34) : (std::uint64_t{1} << 36);
  std::uint64_t samples = probe;
  while (samples < cap && samples * 2 / rate < (quick ? 0.1 : 0.25)) samples *= 2;
  const int reps = quick ? 3 : 5;

  // A fresh range per repetition (rep 0 starts at sample 0: the cluster section's hits match it).
  std::uint64_t hits0 = 0;
  const auto [wall, event] = time_calls(stream, reps, [&](int r) {
    const std::uint64_t first = static_cast<std::uint64_t>(r) * samples;
    const std::uint64_t hits = tk::cuda::pi_hits({kDevice, stream.handle()}, kSeed, first, samples);
    if (r == 0) hits0 = hits;
  });
  hits_at_zero = hits0;
  samples_out = samples;
  const double pi = 4.0 * static_cast<double>(hits0) / static_cast<double>(samples);
  json j = timing_json(wall, event);
  j["api"] = "tessera::kernels::cuda::pi_hits (one fused Philox4x32-10 kernel)";
  j["samples_per_call"] = samples;
  j["seed"] = kSeed;
  j["samples_per_second"] = samples / best(wall);
  j["gsamples_per_second"] = samples / best(wall) / 1e9;
  j["gsamples_per_second_median"] = samples / median(wall) / 1e9;
  j["gsamples_per_second_events"] = samples / best(event) / 1e9;
  j["pi"] = pi;
  j["abs_error"] = std::abs(pi - std::numbers::pi);
  j["hits_first_call"] = hits0;
  j["note"] =
      "wall time around the blocking call; events recorded on the same stream before and after "
      "it (the call is memset + one kernel + a 8-byte copy back)";
  return j;
}

json plan_json(const ts::LocalCluster& cluster) {
  json workers = json::array();
  for (const auto& w : cluster.plan().workers)
    workers.push_back({{"name", w.name},
                       {"backend", std::string(ts::backend_name(w.backend))},
                       {"threads_or_streams", w.threads},
                       {"device", w.device},
                       {"memory_limit", w.memory_limit}});
  return {{"cpu_workers", cluster.plan().cpu_workers},
          {"gpu_workers", cluster.plan().gpu_workers},
          {"workers", workers}};
}

std::unique_ptr<ts::LocalCluster> make_gpu_cluster(int cpu_workers) {
  ts::ClusterOptions options;
  options.n_workers = cpu_workers;
  if (cpu_workers > 0) options.threads_per_worker = 1;
  options.n_gpu_workers = 1;
  options.dashboard_address = "";
  options.name = cpu_workers == 0 ? "bench-gpu-only" : "bench-gpu-plus-1cpu";
  return std::make_unique<ts::LocalCluster>(options);
}

std::vector<std::uint64_t> tasks_finished(const ts::LocalCluster& cluster) {
  std::vector<std::uint64_t> counts;
  for (std::size_t w = 0; w < cluster.plan().workers.size(); ++w)
    counts.push_back(cluster.tasks_finished(static_cast<int>(w)));
  return counts;
}

json tasks_by_worker(const ts::LocalCluster& cluster, const std::vector<std::uint64_t>& before) {
  const auto after = tasks_finished(cluster);
  json j = json::object();
  for (std::size_t w = 0; w < after.size(); ++w)
    j[cluster.plan().workers[w].name] = after[w] - (w < before.size() ? before[w] : 0);
  return j;
}

// Monte Carlo pi through the user-level API: monte_carlo_pi on a cluster of GPU workers.
json pi_cluster_section(ts::LocalCluster& cluster, bool quick, std::uint64_t kernel_samples,
                        std::uint64_t kernel_hits) {
  ts::PiOptions options;
  options.device = ts::PiDevice::gpu;
  options.seed = kSeed;
  options.samples = std::uint64_t{1} << 26;
  ts::monte_carlo_pi(options, *cluster.executor());  // warm-up
  // The same sample count as the kernel section when it ran (so the hit counts must match).
  options.samples = kernel_samples > 0 ? kernel_samples
                                       : (quick ? std::uint64_t{1} << 32 : std::uint64_t{1} << 34);
  const auto before = tasks_finished(cluster);
  const int reps = quick ? 2 : 3;
  std::vector<double> wall;
  ts::PiResult last;
  for (int r = 0; r < reps; ++r) {
    const auto t0 = Clock::now();
    last = ts::monte_carlo_pi(options, *cluster.executor());
    wall.push_back(seconds_since(t0));
  }
  json j = timing_json(wall);
  j["api"] = "tessera::monte_carlo_pi(PiOptions{.device = gpu}, LocalCluster executor)";
  j["samples"] = last.samples;
  j["chunks"] = last.chunks;
  j["device"] = last.device;
  j["workers_used"] = last.workers;
  j["seed"] = kSeed;
  j["samples_per_second"] = last.samples / best(wall);
  j["gsamples_per_second"] = last.samples / best(wall) / 1e9;
  j["gsamples_per_second_median"] = last.samples / median(wall) / 1e9;
  j["library_reported_seconds_last"] = last.seconds;
  j["pi"] = last.pi;
  j["abs_error"] = last.abs_error;
  j["hits"] = last.hits;
  if (kernel_samples > 0) j["hits_match_kernel"] = (last.hits == kernel_hits);
  j["cluster"] = plan_json(cluster);
  j["tasks_by_worker"] = tasks_by_worker(cluster, before);
  return j;
}

double mean_of_x_plus_xt(std::int64_t n, std::int64_t c) {
  auto x = ts::random::random({n, n}, {c, c}, kSeed);
  return (x + x.T()).mean().compute().item<double>();
}

// (x + x.T).mean() from random leaves, through Client(cluster) -> compute().
json mean_case(ts::LocalCluster& cluster, std::int64_t n, std::int64_t c, bool quick) {
  ts::Client client(cluster);
  auto t0 = Clock::now();
  const double warm = mean_of_x_plus_xt(n, c);
  const double warm_s = seconds_since(t0);
  const auto before = tasks_finished(cluster);
  const int reps = reps_for(warm_s, quick ? 1.0 : 3.0, 2, quick ? 3 : 5);
  std::vector<double> wall;
  double value = warm;
  bool repeatable = true;
  for (int r = 0; r < reps; ++r) {
    t0 = Clock::now();
    value = mean_of_x_plus_xt(n, c);
    wall.push_back(seconds_since(t0));
    repeatable = repeatable && value == warm;
  }
  json j = timing_json(wall);
  const double elements = static_cast<double>(n) * static_cast<double>(n);
  j["n"] = n;
  j["chunk"] = c;
  j["chunks"] = ((n + c - 1) / c) * ((n + c - 1) / c);
  j["elements"] = elements;
  j["elements_per_second"] = elements / best(wall);
  j["elements_per_second_median"] = elements / median(wall);
  j["warmup_seconds"] = warm_s;
  j["value"] = value;
  j["same_bits_every_run"] = repeatable;
  j["tasks_by_worker"] = tasks_by_worker(cluster, before);
  client.close();
  return j;
}

// ---- p + p.T at kernel level -------------------------------------------------------------------

// p + q.T over the evaluation space of p (R x C row-major, q is C x R row-major): the two
// load_buffer leaves as core's lowering (fused_program.cpp) builds them. A leaf of an R x C node
// read through the identity has strides (C, 1); the transposed read of a C x R node (element
// (i, j) is q[j][i], flat j * R + i) has strides (1, R).
tk::Program p_plus_qt(const double* p, const double* q, std::int64_t rows, std::int64_t cols) {
  tk::Program program;
  program.ndim = 2;
  tk::Instruction a;
  a.op = tk::Op::load_buffer;
  a.dtype = tk::DType::float64;
  a.data = p;
  a.map.offset = 0;
  a.map.stride[0] = cols;
  a.map.stride[1] = 1;
  tk::Instruction b = a;
  b.data = q;
  b.map.stride[0] = 1;
  b.map.stride[1] = rows;
  tk::Instruction add;
  add.op = tk::Op::add;
  program.code[0] = a;
  program.code[1] = b;
  program.code[2] = add;
  program.size = 3;
  return program;
}

tk::Program single_leaf(const double* p, std::int64_t cols) {
  tk::Program program;
  program.ndim = 2;
  program.code[0].op = tk::Op::load_buffer;
  program.code[0].dtype = tk::DType::float64;
  program.code[0].data = p;
  program.code[0].map.stride[0] = cols;
  program.code[0].map.stride[1] = 1;
  program.size = 1;
  return program;
}

tk::Box box2(std::int64_t r0, std::int64_t r1, std::int64_t c0, std::int64_t c1) {
  tk::Box box;
  box.lo[0] = r0;
  box.hi[0] = r1;
  box.lo[1] = c0;
  box.hi[1] = c1;
  return box;
}

std::vector<double> to_host(const void* device, std::size_t count) {
  std::vector<double> host(count);
  check(cudaMemcpy(host.data(), device, count * sizeof(double), cudaMemcpyDeviceToHost),
        "cudaMemcpy device to host");
  return host;
}

double rel_diff(double a, double b) {
  const double scale = std::max(std::abs(a), std::abs(b));
  return scale == 0 ? 0 : std::abs(a - b) / scale;
}

// Small ragged cases, GPU against host: the index maps, evaluate and reduce (full and per axis).
json ppt_small_checks(const Stream& stream, bool& ok) {
  json checks = json::array();
  auto record = [&](const std::string& name, bool pass, json details) {
    details["name"] = name;
    details["pass"] = pass;
    checks.push_back(std::move(details));
    ok = ok && pass;
  };

  // A. Square p (300 x 300), evaluated over a ragged box of 257 x 300 (rows 43..299).
  {
    const std::int64_t n = 300;
    const std::uint64_t seed = kSeed + 1;
    DeviceBuffer p(n * n * sizeof(double));
    tk::cuda::generate_uniform({kDevice, stream.handle()}, seed, 0, n * n, p.get<double>());
    stream.sync();
    const std::vector<double> host_p = to_host(p.get(), n * n);
    std::int64_t generator_mismatches = 0;
    for (std::int64_t k = 0; k < n * n; ++k)
      generator_mismatches += host_p[k] != tk::uniform_double(seed, static_cast<std::uint64_t>(k));
    record("cuda::generate_uniform equals uniform_double (300x300)", generator_mismatches == 0,
           {{"mismatches", generator_mismatches}});

    const tk::Box box = box2(43, n, 0, n);
    const std::int64_t rows = 257, cols = n;
    const tk::Program device_program = p_plus_qt(p.get<double>(), p.get<double>(), n, n);
    const tk::Program host_program = p_plus_qt(host_p.data(), host_p.data(), n, n);
    DeviceBuffer out(rows * cols * sizeof(double));
    tk::cuda::evaluate({kDevice, stream.handle()}, device_program, box, tk::DType::float64,
                       out.get());
    stream.sync();
    const std::vector<double> gpu = to_host(out.get(), rows * cols);
    std::vector<double> host(rows * cols);
    tk::host::evaluate({}, host_program, box, tk::DType::float64, host.data());
    std::int64_t vs_loop = 0, vs_host = 0;
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < cols; ++j) {
        const std::int64_t r = 43 + i;
        const double expect = host_p[r * n + j] + host_p[j * n + r];
        vs_loop += gpu[i * cols + j] != expect;
        vs_host += gpu[i * cols + j] != host[i * cols + j];
      }
    record("cuda::evaluate p + p.T, box rows 43..299 x cols 0..299 (257x300)",
           vs_loop == 0 && vs_host == 0,
           {{"mismatches_vs_loop", vs_loop}, {"mismatches_vs_host::evaluate", vs_host}});

    // Full reduction and the two per-axis reductions of the same program over the same box.
    tk::Partial gpu_all, host_all;
    tk::cuda::reduce({kDevice, stream.handle()}, device_program, box, nullptr, tk::ReduceOp::sum,
                     &gpu_all);
    tk::host::reduce({}, host_program, box, nullptr, tk::ReduceOp::sum, &host_all);
    long double naive = 0;
    for (double v : gpu) naive += v;
    const double d_host = rel_diff(gpu_all.value, host_all.value);
    const double d_naive = rel_diff(gpu_all.value, static_cast<double>(naive));
    record("cuda::reduce sum over the ragged box",
           d_host <= 1e-12 && d_naive <= 1e-12 && gpu_all.count == rows * cols,
           {{"gpu", gpu_all.value},
            {"host", host_all.value},
            {"long_double_loop", static_cast<double>(naive)},
            {"rel_diff_vs_host", d_host},
            {"rel_diff_vs_loop", d_naive},
            {"count", gpu_all.count}});
    for (int axis = 0; axis < 2; ++axis) {
      bool reduce_axis[tk::kMaxDims] = {};
      reduce_axis[axis] = true;
      const std::int64_t outputs = axis == 0 ? cols : rows;
      std::vector<tk::Partial> g(outputs), h(outputs);
      tk::cuda::reduce({kDevice, stream.handle()}, device_program, box, reduce_axis,
                       tk::ReduceOp::sum, g.data());
      tk::host::reduce({}, host_program, box, reduce_axis, tk::ReduceOp::sum, h.data());
      double worst = 0;
      for (std::int64_t o = 0; o < outputs; ++o) {
        long double loop = 0;
        for (std::int64_t k = 0; k < (axis == 0 ? rows : cols); ++k)
          loop += axis == 0 ? gpu[k * cols + o] : gpu[o * cols + k];
        worst = std::max({worst, rel_diff(g[o].value, h[o].value),
                          rel_diff(g[o].value, static_cast<double>(loop))});
      }
      record(std::string("cuda::reduce sum over axis ") + std::to_string(axis) + " (" +
                 std::to_string(outputs) + " outputs)",
             worst <= 1e-12, {{"worst_rel_diff", worst}});
    }
  }

  // B. Rectangular: p (257 x 300) + q.T with q (300 x 257): both leaves' strides differ.
  {
    const std::int64_t rows = 257, cols = 300;
    DeviceBuffer p(rows * cols * sizeof(double)), q(cols * rows * sizeof(double));
    tk::cuda::generate_uniform({kDevice, stream.handle()}, kSeed + 2, 0, rows * cols,
                               p.get<double>());
    tk::cuda::generate_uniform({kDevice, stream.handle()}, kSeed + 3, 0, cols * rows,
                               q.get<double>());
    DeviceBuffer out(rows * cols * sizeof(double));
    tk::cuda::evaluate({kDevice, stream.handle()},
                       p_plus_qt(p.get<double>(), q.get<double>(), rows, cols),
                       box2(0, rows, 0, cols), tk::DType::float64, out.get());
    stream.sync();
    const auto hp = to_host(p.get(), rows * cols), hq = to_host(q.get(), cols * rows),
               gpu = to_host(out.get(), rows * cols);
    std::int64_t mismatches = 0;
    for (std::int64_t i = 0; i < rows; ++i)
      for (std::int64_t j = 0; j < cols; ++j)
        mismatches += gpu[i * cols + j] != hp[i * cols + j] + hq[j * rows + i];
    record("cuda::evaluate p + q.T, p 257x300, q 300x257", mismatches == 0,
           {{"mismatches", mismatches}});
  }
  return checks;
}

// The big case: p (n x n float64, ~2 GiB) on the device; p + p.T into a device output and its sum.
json ppt_section(bool quick, double copy_gbps) {
  std::int64_t n = quick ? 8192 : 16384;
  while (n > 1024 && 2.0 * n * n * sizeof(double) + (1u << 30) > free_device_memory()) n /= 2;
  const std::size_t elements = static_cast<std::size_t>(n) * n;
  const std::size_t bytes = elements * sizeof(double);
  Stream stream;
  json j;
  bool ok = true;
  j["checks"] = ppt_small_checks(stream, ok);

  DeviceBuffer p(bytes), out(bytes);
  tk::cuda::generate_uniform({kDevice, stream.handle()}, kSeed, 0, elements, p.get<double>());
  stream.sync();
  const tk::Program program = p_plus_qt(p.get<double>(), p.get<double>(), n, n);
  const tk::Box box = box2(0, n, 0, n);
  const int reps = quick ? 5 : 10;

  // cuda::evaluate: one kernel; bytes moved = read p twice + write out = 3 n^2 8.
  tk::cuda::evaluate({kDevice, stream.handle()}, program, box, tk::DType::float64, out.get());
  stream.sync();
  const Timings evaluate_t = time_calls(stream, reps, [&](int) {
    tk::cuda::evaluate({kDevice, stream.handle()}, program, box, tk::DType::float64, out.get());
  });
  const double eval_bytes = 3.0 * bytes;
  const auto& [wall, event] = evaluate_t;
  json eval = timing_json(wall, event);
  eval["api"] = "tessera::kernels::cuda::evaluate(program p + p.T, box n x n, float64, device out)";
  eval["bytes_moved"] = eval_bytes;
  eval["bytes_convention"] = "3 * n^2 * 8: p read twice (direct and transposed) + output written";
  eval["gbps"] = eval_bytes / best(event) / 1e9;
  eval["gbps_wall"] = eval_bytes / best(wall) / 1e9;
  eval["fraction_of_copy"] = copy_gbps > 0 ? eval_bytes / best(event) / 1e9 / copy_gbps : 0.0;

  // Spot check of the big output: rows 0, 1, n/2, n-1 against p's rows and columns.
  std::int64_t spot_mismatches = 0, generator_mismatches = 0;
  for (std::int64_t row : {std::int64_t{0}, std::int64_t{1}, n / 2, n - 1}) {
    std::vector<double> out_row(n), p_row(n), p_col(n);
    check(cudaMemcpy(out_row.data(), out.get<double>() + row * n, n * sizeof(double),
                     cudaMemcpyDeviceToHost),
          "cudaMemcpy row");
    check(cudaMemcpy(p_row.data(), p.get<double>() + row * n, n * sizeof(double),
                     cudaMemcpyDeviceToHost),
          "cudaMemcpy row");
    check(cudaMemcpy2D(p_col.data(), sizeof(double), p.get<double>() + row, n * sizeof(double),
                       sizeof(double), n, cudaMemcpyDeviceToHost),
          "cudaMemcpy2D column");
    for (std::int64_t k = 0; k < n; ++k) {
      spot_mismatches += out_row[k] != p_row[k] + p_col[k];
      generator_mismatches +=
          p_row[k] != tk::uniform_double(kSeed, static_cast<std::uint64_t>(row * n + k));
    }
  }
  eval["spot_check_rows"] = {0, 1, n / 2, n - 1};
  eval["spot_check_mismatches"] = spot_mismatches;
  eval["generator_mismatches_in_checked_rows"] = generator_mismatches;
  ok = ok && spot_mismatches == 0 && generator_mismatches == 0;

  // cuda::reduce (sum) of the same program: bytes = p read twice = 2 n^2 8. Blocking call (kernel,
  // partials copied back, combined on the host): wall time is what a caller sees; events bracket
  // it on the same stream.
  tk::Partial total;
  tk::cuda::reduce({kDevice, stream.handle()}, program, box, nullptr, tk::ReduceOp::sum, &total);
  const Timings sum_t = time_calls(stream, reps, [&](int) {
    tk::cuda::reduce({kDevice, stream.handle()}, program, box, nullptr, tk::ReduceOp::sum, &total);
  });
  tk::Partial p_sum;
  tk::cuda::reduce({kDevice, stream.handle()}, single_leaf(p.get<double>(), n), box, nullptr,
                   tk::ReduceOp::sum, &p_sum);
  const double sum_bytes = 2.0 * bytes;
  json sum = timing_json(sum_t.wall, sum_t.event);
  sum["api"] = "tessera::kernels::cuda::reduce(program p + p.T, box n x n, all axes, sum)";
  sum["bytes_moved"] = sum_bytes;
  sum["bytes_convention"] = "2 * n^2 * 8: p read twice (direct and transposed)";
  sum["gbps"] = sum_bytes / best(sum_t.wall) / 1e9;
  sum["gbps_events"] = sum_bytes / best(sum_t.event) / 1e9;
  sum["fraction_of_copy"] = copy_gbps > 0 ? sum_bytes / best(sum_t.wall) / 1e9 / copy_gbps : 0.0;
  sum["value"] = total.value;
  sum["count"] = total.count;
  sum["two_times_sum_p"] = 2.0 * p_sum.value;
  const double d = rel_diff(total.value, 2.0 * p_sum.value);
  sum["rel_diff_vs_two_times_sum_p"] = d;
  ok = ok && d <= 1e-10 && total.count == static_cast<double>(elements);

  j["n"] = n;
  j["bytes_p"] = bytes;
  j["seed"] = kSeed;
  j["evaluate"] = eval;
  j["sum"] = sum;
  j["checked"] = ok;
  j["check_note"] =
      "small ragged cases against host::evaluate/host::reduce and plain loops (exact for evaluate, "
      "1e-12 relative for sums); big case: 4 rows of the output exactly, generator values, and "
      "sum(p + p.T) against 2 * sum(p) (1e-10 relative)";
  return j;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = parse_options(argc, argv);

  int devices = 0;
  const cudaError_t status = cudaGetDeviceCount(&devices);
  if (status != cudaSuccess || devices == 0) {
    const std::string why = status != cudaSuccess ? std::string(cudaGetErrorName(status)) + ": " +
                                                        cudaGetErrorString(status)
                                                  : "cudaGetDeviceCount reports 0 devices";
    std::fprintf(stderr, "bench_gpu: no usable CUDA device (%s); this benchmark needs a GPU\n",
                 why.c_str());
    report.set("tool", "bench_gpu");
    report.add_error("device", "no CUDA device: " + why);
    report.emit(options.out_path, false);
    return 2;
  }

  Watchdog watchdog(options.timeout_s, options.out_path);
  const auto run_start = Clock::now();
  report.set("tool", "bench_gpu");
  report.set("quick", options.quick);
  report.set("seed", kSeed);
  report.set("visible_devices", devices);

  if (!guarded("device", [] {
        check(cudaSetDevice(kDevice), "cudaSetDevice");
        check(cudaFree(nullptr), "creating the CUDA context");
        report.set("device", device_section());
      })) {
    report.emit(options.out_path, false);
    return 1;
  }

  double copy_gbps = 0;
  guarded("copy", [&] { report.set("copy", copy_section(options.quick, copy_gbps)); });

  std::uint64_t pi_hits = 0, pi_samples = 0;
  guarded("pi_kernel",
          [&] { report.set("pi_kernel", pi_kernel_section(options.quick, pi_hits, pi_samples)); });

  guarded("ppt", [&] { report.set("ppt", ppt_section(options.quick, copy_gbps)); });

  // Clusters last: they are the likeliest to hang, and the watchdog then still has the rest.
  std::unique_ptr<ts::LocalCluster> cluster;
  guarded("cluster_start", [&] { cluster = make_gpu_cluster(0); });
  if (cluster) {
    guarded("pi_cluster", [&] {
      report.set("pi_cluster", pi_cluster_section(*cluster, options.quick, pi_samples, pi_hits));
    });
  }

  const std::int64_t n = options.quick ? 8000 : 20000;
  const std::vector<std::int64_t> chunk_sizes =
      options.quick ? std::vector<std::int64_t>{2000, 4000} : std::vector<std::int64_t>{2000, 5000};
  const std::int64_t n_check = 8000, c_check = 2000;
  json mean = {{"n", n},
               {"seed", kSeed},
               {"expression",
                "(x + x.T()).mean().compute().item<double>(), "
                "x = random::random({n, n}, {c, c}, seed)"},
               {"cases", json::array()}};
  std::optional<double> gpu_check_value;
  guarded("mean_gpu", [&] {
    // A cluster of GPU workers only, if the library can run the whole graph there (the partial
    // combines are host tasks that may need a CPU worker); otherwise one single-threaded CPU
    // worker beside the GPU worker, with the tasks each worker ran reported.
    if (!cluster) throw std::runtime_error("no GPU cluster (cluster_start failed)");
    try {
      ts::Client probe(*cluster);
      mean_of_x_plus_xt(1000, 500);
      mean["gpu_only_cluster"] = true;
    } catch (const std::exception& e) {
      mean["gpu_only_cluster"] = false;
      mean["gpu_only_error"] = e.what();
      std::fprintf(stderr,
                   "bench_gpu: GPU-only cluster cannot run the mean (%s); "
                   "adding one single-threaded CPU worker\n",
                   e.what());
      cluster->close();
      cluster = make_gpu_cluster(1);
    }
    mean["cluster"] = plan_json(*cluster);
    for (std::int64_t c : chunk_sizes) {
      report.enter("mean_gpu c=" + std::to_string(c));
      mean["cases"].push_back(mean_case(*cluster, n, c, options.quick));
      report.set("mean", mean);
    }
    report.enter("mean_gpu check");
    ts::Client client(*cluster);
    gpu_check_value = mean_of_x_plus_xt(n_check, c_check);
    client.close();
  });
  if (cluster) cluster->close();
  cluster.reset();

  json cpu_check = {{"n", n_check}, {"chunk", c_check}};
  if (gpu_check_value) cpu_check["gpu_value"] = *gpu_check_value;
  guarded("mean_cpu_check", [&] {
    ts::ClusterOptions cpu_options;
    cpu_options.n_gpu_workers = 0;
    cpu_options.dashboard_address = "";
    cpu_options.name = "bench-cpu-check";
    ts::LocalCluster cpu_cluster(cpu_options);
    ts::Client client(cpu_cluster);
    const auto t0 = Clock::now();
    const double cpu_value = mean_of_x_plus_xt(n_check, c_check);
    cpu_check["cpu_seconds"] = seconds_since(t0);
    cpu_check["cpu_value"] = cpu_value;
    cpu_check["cpu_cluster"] = plan_json(cpu_cluster);
    if (gpu_check_value) {
      const double d = rel_diff(*gpu_check_value, cpu_value);
      cpu_check["rel_diff"] = d;
      cpu_check["bit_identical"] = *gpu_check_value == cpu_value;
      cpu_check["agree"] = d <= 1e-12;
      if (d > 1e-12)
        report.add_error("mean_cpu_check", "GPU and CPU values of (x + x.T).mean() differ by " +
                                               std::to_string(d) + " relative");
    }
    client.close();
    cpu_cluster.close();
  });
  mean["check"] = cpu_check;
  report.set("mean", mean);

  report.set("total_seconds", seconds_since(run_start));
  report.enter("done");
  const bool ok = !report.has_errors();
  report.emit(options.out_path, ok);
  return ok ? 0 : 1;
}
