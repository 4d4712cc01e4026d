#include <fmt/format.h>

#include <nlohmann/json.hpp>
#include <tuple>

#include "commands.hpp"
#include "tessera/tessera.hpp"
#if TESSERA_CLI_WITH_MPI
#include <iostream>
#include <sstream>

#include "tessera/mpi_cluster.hpp"
#endif

namespace tessera::cli {

void add_info_command(CLI::App& app) {
  auto json = std::make_shared<bool>(false);
  CLI::App* info = app.add_subcommand("info", "Show the cluster LocalCluster() would start here");
  info->add_flag("--json", *json, "print one JSON object");
  info->callback([json] {
#if TESSERA_CLI_WITH_MPI
    // Under mpirun: the whole job, as the MPICluster every rank would start sees it.
    if (launched_by_mpi()) {
      MPICluster cluster({.dashboard_address = ""});
      if (cluster.rank() != 0) return;
      std::ostringstream text;
      text << cluster;
      if (*json) {
        nlohmann::json workers = nlohmann::json::array();
        for (const WorkerInfo& w : cluster.executor()->workers())
          workers.push_back({{"name", w.name},
                             {"kind", w.backend == Backend::host ? "cpu" : "gpu"},
                             {"threads", w.threads},
                             {"memory_limit", w.memory_limit}});
        fmt::print("{}\n", nlohmann::json{{"ranks", cluster.size()},
                                          {"workers", workers},
                                          {"version", build_info().version},
                                          {"components", build_info().components()}}
                               .dump());
      } else {
        fmt::print("Tessera {} under MPI\n{}", build_info().version, text.str());
      }
      return;
    }
#endif
    const Hardware hardware = detect_hardware();
    const ClusterOptions defaults;
    const ClusterPlan plan = plan_cluster(defaults, hardware);
    if (*json) {
      nlohmann::json workers = nlohmann::json::array();
      for (const auto& w : plan.workers)
        workers.push_back({{"name", w.name},
                           {"kind", w.backend == Backend::host ? "cpu" : "gpu"},
                           {"threads", w.threads},
                           {"device", w.device},
                           {"device_name", w.device_name},
                           {"memory_limit", w.memory_limit}});
      nlohmann::json gpus = nlohmann::json::array();
      for (const auto& g : hardware.gpus)
        gpus.push_back({{"index", g.device}, {"name", g.device_name}, {"memory", g.device_memory}});
      nlohmann::json out = {{"cpu_count", hardware.cpu_count},
                            {"physical_cores", hardware.physical_cores},
                            {"numa_nodes", hardware.numa_nodes},
                            {"memory", hardware.memory},
                            {"gpus", gpus},
                            // Why there are no GPUs when CUDA itself failed; "" otherwise.
                            {"cuda_error", hardware.cuda_error},
                            {"cuda_build", build_info().cuda},
                            {"version", build_info().version},
                            {"components", build_info().components()},
                            {"workers", workers},
                            {"total_threads", plan.total_threads},
                            {"total_memory", plan.total_memory},
                            {"dashboard_address", defaults.dashboard_address}};
      fmt::print("{}\n", out.dump());
      return;
    }
    const BuildInfo& build = build_info();
    fmt::print("Tessera {}, built with\n", build.version);
    for (const auto& [name, built, without] :
         {std::tuple{"cuda", build.cuda, "no GPU workers"},
          {"dashboard", build.dashboard, "no web dashboard"},
          {"graphviz", build.graphviz, "visualize() renders with a dot program on PATH"},
          {"hwloc", build.hwloc, "topology from sysfs"},
          {"lz4", build.lz4, "spill files uncompressed"},
          {"mpi", build.mpi, "one process only"}})
      fmt::print("  {:<15} {}\n", fmt::format("{}:", name),
                 built ? "yes" : fmt::format("no ({})", without));
    fmt::print("Machine\n");
    fmt::print("  {:<15} {} usable ({} cores, {} NUMA node{})\n", "CPUs:", hardware.cpu_count,
               hardware.physical_cores, hardware.numa_nodes, hardware.numa_nodes == 1 ? "" : "s");
    fmt::print("  {:<15} {}\n", "Memory:", format_bytes(hardware.memory));
    fmt::print("LocalCluster() here would start\n{}",
               describe_plan(plan, "http://" + defaults.dashboard_address + "/status"));
  });
}

}  // namespace tessera::cli
