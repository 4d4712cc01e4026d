#pragma once
// What detect_hardware() reads from the kernel's files, parsed: sysfs topology and cgroup limits.
// Internal (the parsers take text or a root folder so that tests can feed them made-up machines).

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string_view>

namespace tessera::detail {

/// Cores and NUMA nodes as sysfs under `root` (normally "/sys") lists them: distinct
/// (physical_package_id, core_id) pairs of devices/system/cpu/cpu<N>, and devices/system/node/
/// node<N> entries (at least 1). Used where Tessera is built without hwloc.
struct Topology {
  int physical_cores = 0;
  int numa_nodes = 1;
};
Topology topology_from_sysfs(const std::filesystem::path& root);
/// CPUs allowed by a cgroup v2 "cpu.max" text ("200000 100000" -> 2); nullopt when unlimited.
std::optional<int> cpus_from_cgroup_v2(std::string_view cpu_max);
/// Bytes allowed by a cgroup "memory.max" text ("max" -> nullopt).
std::optional<std::uint64_t> bytes_from_cgroup(std::string_view memory_max);

}  // namespace tessera::detail
