#pragma once
// What the machine offers: CPU cores this process may use, memory, CUDA devices.

#include <cstdint>
#include <string>
#include <vector>

#include "tessera/executor.hpp"

namespace tessera {

/// The resources a LocalCluster sizes itself from.
struct Hardware {
  int cpu_count = 1;         ///< CPUs this process may use (affinity and cgroup quota)
  int physical_cores = 0;    ///< cores on the machine (hwloc, else sysfs)
  int numa_nodes = 0;        ///< NUMA nodes (hwloc, else sysfs)
  std::uint64_t memory = 0;  ///< bytes this process may use (RAM, or the cgroup limit)
  /// CUDA devices (CUDA_VISIBLE_DEVICES honoured), each as the CUDA worker that would run on
  /// it: its backend, device index, device_name and device_memory.
  std::vector<WorkerInfo> gpus;
  /// Why CUDA devices could not be listed (a driver too old or missing, a device that fails),
  /// "" when `gpus` is the truth: "no GPU" and "CUDA is broken here" must not read alike.
  std::string cuda_error;
};

/// Reads the machine once per call.
Hardware detect_hardware();

/// CPUs this process may use: the affinity mask, capped by a cgroup CPU quota.
int cpu_count();
/// Bytes of memory this process may use: total RAM, capped by a cgroup memory limit.
std::uint64_t system_memory();

}  // namespace tessera
