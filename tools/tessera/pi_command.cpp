#include <fmt/format.h>

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "commands.hpp"
#include "monte_carlo_pi.hpp"
#include "tessera/diagnostics/progress_bar.hpp"
#include "tessera/tessera.hpp"
#if TESSERA_CLI_WITH_MPI
#include "tessera/mpi_cluster.hpp"
#endif

namespace tessera::cli {

void add_pi_command(CLI::App& app) {
  struct Args {
    std::string samples = "1e9", chunks = "", device = "auto";
    std::uint64_t seed = 0;
    bool json = false;
  };
  auto args = std::make_shared<Args>();
  CLI::App* pi = app.add_subcommand("pi", "Estimate pi by Monte Carlo on every CPU core and GPU");
  pi->add_option("--samples", args->samples, "number of random points, e.g. 1e10")
      ->capture_default_str();
  pi->add_option("--chunks", args->chunks, "number of chunk tasks (default: from the cluster)");
  pi->add_option("--device", args->device, "auto | cpu | gpu")->capture_default_str();
  pi->add_option("--seed", args->seed, "Philox seed")->capture_default_str();
  pi->add_flag("--json", args->json, "print one JSON object");
  pi->callback([args] {
    PiOptions options;
    options.samples = parse_count(args->samples, "--samples");
    options.chunks = args->chunks.empty() ? 0 : parse_count(args->chunks, "--chunks");
    options.device = parse_pi_device(args->device);
    options.seed = args->seed;
    // GPU workers only when they may be used, so `--device cpu` never touches the CUDA driver.
    ClusterOptions cluster_options{.dashboard_address = ""};
    if (options.device == PiDevice::cpu) cluster_options.n_gpu_workers = 0;
    // Under mpirun every rank runs this; the ranks share the chunks and rank 0 reports.
    std::unique_ptr<LocalCluster> local;
    std::shared_ptr<Executor> executor;
    int rank = 0, ranks = 1;
#if TESSERA_CLI_WITH_MPI
    std::unique_ptr<MPICluster> mpi;
    if (launched_by_mpi()) {
      mpi = std::make_unique<MPICluster>(cluster_options);
      executor = mpi->executor();
      rank = mpi->rank();
      ranks = mpi->size();
    }
#endif
    if (!executor) {
      local = std::make_unique<LocalCluster>(cluster_options);
      executor = local->executor();
    }
    int threads = 0;
    for (const WorkerInfo& worker : executor->workers())
      if (worker.backend == Backend::host) threads += worker.threads;
    // A bar (on stderr) only for a person watching: never in --json output or a pipe.
    std::optional<diagnostics::ProgressBar> bar;
    if (!args->json && isatty(STDOUT_FILENO) && ranks == 1)
      bar.emplace(diagnostics::ProgressBarOptions{.minimum = 0.5});
    PiResult r = monte_carlo_pi(options, *executor);
    bar.reset();
    if (rank != 0) return;
    if (args->json) {
      nlohmann::json out = {{"pi", r.pi},           {"abs_error", r.abs_error},
                            {"samples", r.samples}, {"hits", r.hits},
                            {"chunks", r.chunks},   {"seed", options.seed},
                            {"seconds", r.seconds}, {"samples_per_second", r.samples_per_second},
                            {"device", r.device},   {"workers", r.workers},
                            {"threads", threads},   {"ranks", ranks}};
      fmt::print("{}\n", out.dump());
      return;
    }
    fmt::print("pi estimate: {:.10f}\n", r.pi);
    fmt::print("pi error:    {:.3e}\n", r.abs_error);
    fmt::print("samples:     {} in {} chunks on {} ({} workers{})\n", r.samples, r.chunks, r.device,
               r.workers, ranks > 1 ? fmt::format(" over {} ranks", ranks) : "");
    fmt::print("wall time:   {:.3f} s  ({:.3f} G samples/s)\n", r.seconds,
               r.samples_per_second / 1e9);
  });
}

}  // namespace tessera::cli
