#include "tessera/hardware.hpp"

#include <sched.h>
#include <unistd.h>

#if TESSERA_HAVE_HWLOC
#include <hwloc.h>
#endif

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <utility>

#include "tessera/detail/hardware_files.hpp"
#include "tessera/kernels/cuda_device.hpp"

namespace tessera {
namespace detail {

std::optional<int> cpus_from_cgroup_v2(std::string_view cpu_max) {
  std::istringstream in{std::string(cpu_max)};
  std::string quota_text;
  double period = 0;
  if (!(in >> quota_text >> period) || quota_text == "max" || period <= 0) return std::nullopt;
  double quota = 0;
  auto [end, error] =
      std::from_chars(quota_text.data(), quota_text.data() + quota_text.size(), quota);
  if (error != std::errc() || quota <= 0) return std::nullopt;
  return std::max(1, static_cast<int>(std::ceil(quota / period)));
}

std::optional<std::uint64_t> bytes_from_cgroup(std::string_view memory_max) {
  std::string text(memory_max);
  text.erase(std::remove_if(text.begin(), text.end(), ::isspace), text.end());
  std::uint64_t bytes = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), bytes);
  if (text.empty() || text == "max" || error != std::errc()) return std::nullopt;
  // cgroup v1 writes a huge page-aligned number for "no limit".
  if (bytes >= (std::uint64_t{1} << 62)) return std::nullopt;
  return bytes;
}

}  // namespace detail

namespace {

std::optional<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<long> read_number(const std::filesystem::path& path) {
  auto text = read_file(path);
  if (!text) return std::nullopt;
  long value = 0;
  std::istringstream in(*text);
  if (!(in >> value)) return std::nullopt;
  return value;
}

// Directory entries named <prefix><digits>, as sysfs names CPUs and NUMA nodes.
std::vector<std::filesystem::path> numbered_entries(const std::filesystem::path& dir,
                                                    std::string_view prefix) {
  std::vector<std::filesystem::path> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > prefix.size() && name.starts_with(prefix) &&
        std::all_of(name.begin() + static_cast<std::ptrdiff_t>(prefix.size()), name.end(),
                    [](unsigned char c) { return std::isdigit(c); }))
      found.push_back(entry.path());
  }
  return found;
}

}  // namespace

namespace detail {

Topology topology_from_sysfs(const std::filesystem::path& root) {
  // A core is a distinct (package, core id) pair among the CPUs the kernel lists (online or
  // not, as hwloc counts the machine's cores); hyperthreads share their core's pair.
  std::set<std::pair<long, long>> cores;
  for (const auto& cpu : numbered_entries(root / "devices/system/cpu", "cpu")) {
    const auto core = read_number(cpu / "topology/core_id");
    if (!core) continue;
    cores.emplace(read_number(cpu / "topology/physical_package_id").value_or(0), *core);
  }
  const auto nodes = numbered_entries(root / "devices/system/node", "node");
  return {static_cast<int>(cores.size()), std::max(1, static_cast<int>(nodes.size()))};
}

}  // namespace detail

int cpu_count() {
  int count = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
  cpu_set_t mask;
  if (sched_getaffinity(0, sizeof(mask), &mask) == 0) count = std::max(1, CPU_COUNT(&mask));
  if (auto v2 = read_file("/sys/fs/cgroup/cpu.max"))
    if (auto limit = detail::cpus_from_cgroup_v2(*v2)) count = std::min(count, *limit);
  auto quota = read_file("/sys/fs/cgroup/cpu/cpu.cfs_quota_us");
  auto period = read_file("/sys/fs/cgroup/cpu/cpu.cfs_period_us");
  if (quota && period)
    if (auto limit = detail::cpus_from_cgroup_v2(*quota + " " + *period))
      count = std::min(count, *limit);
  return count;
}

std::uint64_t system_memory() {
  std::uint64_t bytes = static_cast<std::uint64_t>(sysconf(_SC_PHYS_PAGES)) *
                        static_cast<std::uint64_t>(sysconf(_SC_PAGESIZE));
  for (const char* path :
       {"/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"})
    if (auto text = read_file(path))
      if (auto limit = detail::bytes_from_cgroup(*text)) bytes = std::min(bytes, *limit);
  return bytes;
}

Hardware detect_hardware() {
  Hardware hardware;
  hardware.cpu_count = cpu_count();
  hardware.memory = system_memory();
#if TESSERA_HAVE_HWLOC
  hwloc_topology_t topology;
  if (hwloc_topology_init(&topology) == 0) {
    if (hwloc_topology_load(topology) == 0) {
      hardware.physical_cores = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
      hardware.numa_nodes = std::max(1, hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_NUMANODE));
    }
    hwloc_topology_destroy(topology);
  }
#endif
  if (hardware.physical_cores <= 0) {  // no hwloc, or it could not read the machine
    const auto sysfs = detail::topology_from_sysfs("/sys");
    hardware.physical_cores = sysfs.physical_cores > 0 ? sysfs.physical_cores : hardware.cpu_count;
    hardware.numa_nodes = sysfs.numa_nodes;
  }
  // The CUDA runtime applies CUDA_VISIBLE_DEVICES.
  const kernels::CudaStatus cuda = kernels::cuda_status();
  hardware.cuda_error = cuda.error;
  try {
    for (int d = 0; d < cuda.count; ++d) {
      kernels::CudaDeviceInfo info = kernels::cuda_device_info(d);
      hardware.gpus.push_back({.backend = Backend::cuda,
                               .device = d,
                               .device_name = info.name,
                               .device_memory = info.total_memory});
    }
  } catch (const std::runtime_error& e) {
    // A device that cannot even describe itself gets no worker; the machine's other resources
    // are still worth a cluster, and the reason is shown where GPUs are listed.
    hardware.cuda_error = e.what();
  }
  return hardware;
}

}  // namespace tessera
