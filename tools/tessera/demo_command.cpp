#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <optional>

#include "../../examples/calculate_pi.hpp"
#include "commands.hpp"
#include "monte_carlo_pi.hpp"
#include "tessera/dataframe.hpp"
#include "tessera/dataframe/datasets.hpp"
#include "tessera/diagnostics/progress_bar.hpp"
#include "tessera/tessera.hpp"

// Exported (the program links with -rdynamic) so the task graph says "calculate_pi".
double calculate_pi(double size_in_bytes) {
  return examples::calculate_pi(size_in_bytes, false);
}
int noop(int x) {
  return x;
}

namespace tessera::cli {
namespace {

void run_demo(const std::string& samples_text, const std::string& out_dir) {
  namespace fs = std::filesystem;
  fs::create_directories(out_dir);
  LocalCluster cluster;
  Client client(cluster);
  std::cout << cluster << "\n";
  // Progress bars (on stderr) when a person watches; step 4 runs without one because it
  // measures the scheduler with nobody listening on the bus.
  const bool bars = isatty(STDOUT_FILENO);
  std::optional<diagnostics::ProgressBar> bar;
  if (bars) bar.emplace(diagnostics::ProgressBarOptions{.minimum = 0.5});

  fmt::print("1. delayed(calculate_pi)(10000.0).compute()\n");
  double pi = 0;
  double seconds = examples::seconds_of([&] { pi = delayed(calculate_pi)(10000.0).compute(); });
  fmt::print("   pi {:.6f} in {:.4f} s\n\n", pi, seconds);

  fmt::print(
      "2. five calculate_pi tasks (1e8 .. 5e8 bytes of points each), computed in parallel\n");
  std::vector<Delayed<double>> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(delayed(calculate_pi)(1e8 * (i + 1)));
  std::vector<double> all;
  seconds = examples::seconds_of([&] { all = compute(runs); });
  for (int i = 0; i < 5; ++i)
    fmt::print("   run {}: pi {:.6f} (error {:.2e})\n", i, all[i], std::abs(all[i] - M_PI));
  fmt::print("   {:.3f} s\n", seconds);
  const std::string graph = (fs::path(out_dir) / "five_calculate_pi.svg").string();
  visualize(runs, graph);
  fmt::print("   task graph: {}\n\n", graph);

  const std::uint64_t samples = parse_count(samples_text, "--samples");
  fmt::print("3. Monte Carlo pi, {:.3g} samples, fused Philox kernels on every worker\n",
             double(samples));
  PiResult r = monte_carlo_pi({.samples = samples}, *cluster.executor());
  fmt::print("   pi {:.10f} (error {:.2e}) on {} in {:.3f} s: {:.3f} G samples/s\n\n", r.pi,
             r.abs_error, r.device, r.seconds, r.samples_per_second / 1e9);

  bar.reset();
  fmt::print("4. scheduler: 100,000 independent no-op delayed tasks\n");
  std::vector<Delayed<int>> tasks;
  std::vector<int> results;
  seconds = examples::seconds_of([&] {
    tasks.reserve(100'000);
    for (int i = 0; i < 100'000; ++i) tasks.push_back(delayed(noop)(i));
    results = compute(tasks);
  });
  fmt::print("   built and ran in {:.3f} s: {:.0f} tasks/s\n\n", seconds, 100'000 / seconds);

  if (bars) bar.emplace(diagnostics::ProgressBarOptions{.minimum = 0.5});
  fmt::print("5. arrays: x = random((10000, 10000), chunks=(1000, 1000)); (x + x.T).mean()\n");
  auto x = random::random({10000, 10000}, {1000, 1000});
  double mean = 0;
  seconds = examples::seconds_of([&] { mean = (x + x.T()).mean().compute().item<double>(); });
  fmt::print("   {:.8f} in {:.3f} s, one fused kernel per chunk ({} tasks)\n", mean, seconds,
             (x + x.T()).mean().task_count());
  fmt::print("   y = random((20000, 20000), chunks=(2000, 2000)); (y + y.T).mean(axis=0).std()\n");
  auto y = random::random({20000, 20000}, {2000, 2000});
  double spread = 0;
  seconds =
      examples::seconds_of([&] { spread = (y + y.T()).mean(0).std().compute().item<double>(); });
  fmt::print("   {:.6g} in {:.3f} s\n", spread, seconds);
  auto z = random::random({20}, 5).sum();
  const std::string array_graph = (fs::path(out_dir) / "random_sum.svg").string();
  visualize(z, array_graph);
  fmt::print("   random(20, chunks=5).sum() = {:.6f}; task graph: {}\n", z.compute().item<double>(),
             array_graph);

  fmt::print("\n6. data frames: the tutorial's dask.dataframe step on a generated CSV\n");
  const std::string csv = (fs::path(out_dir) / "tutorial.csv").string();
  dataframe::datasets::write_tutorial_csv(csv, {.rows = 2'000'000});
  namespace dd = dataframe;
  dd::Table grouped;
  seconds = examples::seconds_of([&] {
    auto df = dd::read_csv(csv);
    grouped = df[df["column"] > 10].groupby("category").mean().compute();
  });
  fmt::print("   df = read_csv(\"{}\")  # {:.0f} MB\n", csv, fs::file_size(csv) / 1e6);
  fmt::print("   df[df[\"column\"] > 10].groupby(\"category\").mean().compute() in {:.3f} s:\n\n",
             seconds);
  std::cout << grouped << "\n";

  client.close();
  cluster.close();
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto samples = std::make_shared<std::string>("4e9");
  auto out_dir = std::make_shared<std::string>(
      (std::filesystem::temp_directory_path() / "tessera-demo").string());
  CLI::App* demo = app.add_subcommand("demo", "Run the seed's workloads with timings");
  demo->add_option("--samples", *samples, "Monte Carlo pi samples")->capture_default_str();
  demo->add_option("--out", *out_dir, "where pictures go")->capture_default_str();
  demo->callback([samples, out_dir] { run_demo(*samples, *out_dir); });
}

}  // namespace tessera::cli
