// The seed's array workloads, timed on a local cluster, with this process's peak resident memory:
//   bench_arrays <case> [--n N] [--chunk C] [--repeats R]
// cases: xxt_mean          (x + x.T).mean()
//        xxt_mean_axis_std (x + x.T).mean(axis=0).std()
//        generate          the Philox generation bound: 2 N^2 uniform doubles, as chunk tasks
// Prints one JSON object: case, n, chunk, seconds (best of R), value, peak_rss_bytes, workers.
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>

#include "tessera/kernels/host/generate.hpp"
#include "tessera/tessera.hpp"

namespace ts = tessera;

namespace {

// VmHWM, this process's resident high-water mark. Not getrusage's ru_maxrss: that survives
// execve, so a child would report its parent's peak.
double peak_rss_bytes() {
  std::FILE* status = std::fopen("/proc/self/status", "r");
  if (!status) return -1;
  char line[256];
  double kib = -1;
  while (std::fgets(line, sizeof line, status))
    if (std::sscanf(line, "VmHWM: %lf kB", &kib) == 1) break;
  std::fclose(status);
  return kib * 1024.0;
}

// Generates 2 * n^2 doubles in chunk-sized pieces on the cluster, keeping none: the time the
// fused kernels would need if generation were all they did.
double generate(std::int64_t n, std::int64_t chunk) {
  std::vector<ts::Delayed<double>> parts;
  const std::int64_t per_task = chunk * chunk;
  const std::int64_t total = 2 * n * n;
  for (std::int64_t first = 0; first < total; first += per_task)
    parts.push_back(ts::delayed(
        [](std::int64_t start, std::int64_t count) {
          std::vector<double> buffer(static_cast<std::size_t>(count));
          ts::kernels::host::generate_uniform({}, 1, static_cast<std::uint64_t>(start),
                                              static_cast<std::uint64_t>(count), buffer.data());
          return buffer[static_cast<std::size_t>(count) - 1];
        },
        "generate")(first, std::min(per_task, total - first)));
  double last = 0;
  for (double v : ts::compute(parts)) last += v;
  return last;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(
        stderr,
        "usage: bench_arrays xxt_mean|xxt_mean_axis_std|sliced_mean|generate [--n N] [--chunk C] "
        "[--repeats R]\n");
    return 2;
  }
  const std::string which = argv[1];
  std::int64_t n = 10000, chunk = 1000;
  int repeats = 3;
  for (int i = 2; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--n"))
      n = std::stoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--chunk"))
      chunk = std::stoll(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--repeats"))
      repeats = std::stoi(argv[i + 1]);
  }
  ts::Client client(ts::ClusterOptions{.n_gpu_workers = 0, .dashboard_address = ""});
  double best = 1e300, value = 0;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    if (which == "xxt_mean") {
      auto x = ts::random::random({n, n}, {chunk, chunk}, 42);
      value = (x + x.T()).mean().compute().item<double>();
    } else if (which == "xxt_mean_axis_std") {
      auto x = ts::random::random({n, n}, {chunk, chunk}, 42);
      value = (x + x.T()).mean(0).std().compute().item<double>();
    } else if (which == "sliced_mean") {
      // x[1:n-1:2, ::-3].mean(): the selection fuses into the kernel, generating a sixth.
      auto x = ts::random::random({n, n}, {chunk, chunk}, 42);
      value = x[{ts::Slice{1, n - 1, 2}, ts::Slice{.step = -3}}].mean().compute().item<double>();
    } else if (which == "generate") {
      value = generate(n, chunk);
    } else {
      std::fprintf(stderr, "unknown case '%s'\n", which.c_str());
      return 2;
    }
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  std::printf(
      "{\"case\": \"%s\", \"n\": %lld, \"chunk\": %lld, \"seconds\": %.6f, \"value\": %.17g, "
      "\"peak_rss_bytes\": %.0f, \"workers\": %zu}\n",
      which.c_str(), static_cast<long long>(n), static_cast<long long>(chunk), best, value,
      peak_rss_bytes(), client.cluster().plan().workers.size());
  return 0;
}
