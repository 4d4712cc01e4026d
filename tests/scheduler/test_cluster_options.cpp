#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "tessera/cluster_options.hpp"
#include "tessera/detail/hardware_files.hpp"
#include "tessera/local_cluster.hpp"

using namespace tessera;

namespace {
Hardware machine(int cpus, std::uint64_t memory = 16ull << 30, int gpus = 0) {
  Hardware h;
  h.cpu_count = cpus;
  h.memory = memory;
  for (int g = 0; g < gpus; ++g)
    h.gpus.push_back({.backend = Backend::cuda,
                      .device = g,
                      .device_name = "Fake GPU",
                      .device_memory = 80ull << 30});
  return h;
}

template <class F>
void expect_invalid_naming(F&& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one naming " << fragment;
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}
}  // namespace

TEST(ClusterOptions, SeedDesignatedInitializersCompile) {
  ClusterOptions options{.n_workers = 4, .threads_per_worker = 2, .memory_limit = "auto"};
  ClusterPlan plan = plan_cluster(options, machine(2, 16ull << 30));
  EXPECT_EQ(plan.cpu_workers, 4);
  EXPECT_EQ(plan.total_threads, 8);
  EXPECT_EQ(plan.workers[0].memory_limit, (16ull << 30) / 4);
}

TEST(ClusterOptions, DefaultsFollowDask) {
  // nprocesses_nthreads: <= 4 CPUs -> one thread per worker; else the factor >= sqrt(n).
  auto shape = [](int cpus) {
    ClusterPlan p = plan_cluster({}, machine(cpus));
    return std::pair{p.cpu_workers, p.workers[0].threads};
  };
  EXPECT_EQ(shape(1), std::pair(1, 1));
  EXPECT_EQ(shape(2), std::pair(2, 1));
  EXPECT_EQ(shape(4), std::pair(4, 1));
  EXPECT_EQ(shape(8), std::pair(4, 2));
  EXPECT_EQ(shape(12), std::pair(4, 3));
  EXPECT_EQ(shape(16), std::pair(4, 4));
  EXPECT_EQ(shape(7), std::pair(7, 1));
}

TEST(ClusterOptions, OneCountGivenDerivesTheOther) {
  EXPECT_EQ(plan_cluster({.n_workers = 2}, machine(8)).workers[0].threads, 4);
  EXPECT_EQ(plan_cluster({.threads_per_worker = 4}, machine(8)).cpu_workers, 2);
  EXPECT_EQ(plan_cluster({.threads_per_worker = 16}, machine(8)).cpu_workers, 1);
}

TEST(ClusterOptions, OneGpuWorkerPerDevice) {
  ClusterPlan plan = plan_cluster({.n_workers = 1}, machine(4, 8ull << 30, 2));
  EXPECT_EQ(plan.gpu_workers, 2);
  ASSERT_EQ(plan.workers.size(), 3u);
  EXPECT_EQ(plan.workers[2].backend, Backend::cuda);
  EXPECT_EQ(plan.workers[2].device, 1);
  // The device as the hardware described it, made a worker.
  EXPECT_EQ(plan.workers[2].name, "gpu-1");
  EXPECT_EQ(plan.workers[2].threads, 2);
  EXPECT_EQ(plan.workers[2].device_name, "Fake GPU");
  EXPECT_EQ(plan.workers[2].device_memory, 80ull << 30);
  // 80% of the device by default (as 0.8 of it, rounded down), dask-cuda's default.
  EXPECT_EQ(plan.workers[2].memory_limit, static_cast<std::uint64_t>(0.8 * (80ull << 30)));
  EXPECT_EQ(plan_cluster({.n_gpu_workers = 0}, machine(4, 1, 2)).gpu_workers, 0);
  expect_invalid_naming([] { plan_cluster({.n_gpu_workers = 3}, machine(4, 1, 2)); }, "3");
}

TEST(ClusterOptions, GpuDevicesPickEachGpuWorkersDevice) {
  ClusterOptions second;
  second.gpu_devices = {1};
  ClusterPlan plan = plan_cluster(second, machine(4, 1, 2));
  ASSERT_EQ(plan.gpu_workers, 1);
  EXPECT_EQ(plan.workers.back().device, 1);
  EXPECT_EQ(plan.workers.back().name, "gpu-0");
  // Two workers sharing one device (as two ranks on a one-GPU node do).
  ClusterOptions shared{.n_gpu_workers = 2};
  shared.gpu_devices = {0, 0};
  plan = plan_cluster(shared, machine(4, 1, 2));
  ASSERT_EQ(plan.gpu_workers, 2);
  EXPECT_EQ(plan.workers[plan.workers.size() - 2].device, 0);
  EXPECT_EQ(plan.workers.back().device, 0);
}

TEST(ClusterOptions, BadGpuDevicesNameTheEntry) {
  ClusterOptions missing;
  missing.gpu_devices = {0, 2};
  expect_invalid_naming([&] { plan_cluster(missing, machine(4, 1, 2)); }, "gpu_devices entry 2");
  missing.gpu_devices = {-1};
  expect_invalid_naming([&] { plan_cluster(missing, machine(4, 1, 2)); }, "gpu_devices entry -1");
  missing.gpu_devices = {0};
  expect_invalid_naming([&] { plan_cluster(missing, machine(4, 1, 0)); }, "0 CUDA device(s)");
  ClusterOptions disagree{.n_gpu_workers = 2};
  disagree.gpu_devices = {1};
  expect_invalid_naming([&] { plan_cluster(disagree, machine(4, 1, 2)); }, "n_gpu_workers 2");
}

TEST(ClusterOptions, DeviceMemoryLimitTakesEveryForm) {
  const Hardware hw = machine(4, 8ull << 30, 1);
  const std::uint64_t device = 80ull << 30;
  auto gpu_limit = [&](MemoryLimit limit) {
    ClusterOptions o{.n_workers = 1};
    o.device_memory_limit = limit;
    return plan_cluster(o, hw).workers.back().memory_limit;
  };
  EXPECT_EQ(gpu_limit("auto"), static_cast<std::uint64_t>(0.8 * device));
  EXPECT_EQ(gpu_limit(0.5), device / 2);
  EXPECT_EQ(gpu_limit("40GiB"), 40ull << 30);
  EXPECT_EQ(gpu_limit(0), 0u);  // no limit
  expect_invalid_naming([] { MemoryLimit limit("half the card"); }, "half the card");
}

TEST(ClusterOptions, FailedCudaIsNamedNotTakenForNoGpu) {
  // What a driver too old for the runtime makes cudaGetDeviceCount say.
  Hardware h = machine(4);
  h.cuda_error = "cudaGetDeviceCount: CUDA driver version is insufficient for CUDA runtime version";
  const ClusterPlan plan = plan_cluster({.n_workers = 1}, h);
  EXPECT_EQ(plan.gpu_workers, 0);
  const std::string block = describe_plan(plan, "");
  EXPECT_NE(block.find("GPUs:           none (CUDA failed: cudaGetDeviceCount: CUDA driver "
                       "version is insufficient for CUDA runtime version)\n"),
            std::string::npos)
      << block;
  expect_invalid_naming([&] { plan_cluster({.n_gpu_workers = 1}, h); },
                        "only 0 CUDA device(s) visible (CUDA failed: cudaGetDeviceCount: CUDA");
  // No GPU and nothing failed: just none.
  const std::string none = describe_plan(plan_cluster({.n_workers = 1}, machine(4)), "");
  EXPECT_NE(none.find("GPUs:           none\n"), std::string::npos) << none;
}

TEST(MemoryLimit, ResolvesEveryForm) {
  const std::uint64_t system = 16ull << 30;
  EXPECT_EQ(MemoryLimit("auto").resolve(system, 4), system / 4);
  EXPECT_EQ(MemoryLimit("4GiB").resolve(system, 4), 4ull << 30);
  EXPECT_EQ(MemoryLimit("500MB").resolve(system, 4), 500'000'000u);
  EXPECT_EQ(MemoryLimit(123456).resolve(system, 4), 123456u);
  EXPECT_EQ(MemoryLimit(0).resolve(system, 4), 0u);  // no limit
  EXPECT_EQ(MemoryLimit("0").resolve(system, 4), 0u);
  EXPECT_EQ(MemoryLimit(0.5).resolve(system, 4), system / 2);
  EXPECT_EQ(MemoryLimit(2e9).resolve(system, 4), 2'000'000'000u);
}

TEST(MemoryLimit, ABareNumberInAStringMeansWhatTheNumberDoes) {
  // As in Dask, which tries float() first: "0.5" is half the memory, not 0.5 bytes rounded down
  // to 0 (which means no limit).
  const std::uint64_t system = 16ull << 30;
  EXPECT_EQ(MemoryLimit("0.5").resolve(system, 4), system / 2);
  EXPECT_EQ(MemoryLimit(" 0.25 ").resolve(system, 4), system / 4);
  EXPECT_EQ(MemoryLimit("1").resolve(system, 4), system);  // as 1.0: all of it
  EXPECT_EQ(MemoryLimit("2e9").resolve(system, 4), 2'000'000'000u);
  EXPECT_EQ(MemoryLimit("0.5").text(), "0.5");
  ClusterOptions options{.n_workers = 2, .threads_per_worker = 1, .memory_limit = "0.5"};
  EXPECT_EQ(plan_cluster(options, machine(2)).workers[0].memory_limit,
            static_cast<std::uint64_t>(0.5 * static_cast<double>(machine(2).memory)));
}

TEST(MemoryLimit, ASizeBelowOneByteIsRefusedNotTakenForNoLimit) {
  expect_invalid_naming([] { MemoryLimit("0.5B"); }, "0.5B");
  expect_invalid_naming([] { MemoryLimit("-0.5"); }, "-0.5");
  EXPECT_EQ(MemoryLimit("0GB").resolve(16ull << 30, 4), 0u);  // a zero still means no limit
}

TEST(MemoryLimit, BadValuesNameTheValue) {
  expect_invalid_naming([] { MemoryLimit("lots"); }, "lots");
  expect_invalid_naming([] { MemoryLimit("-4GB"); }, "-4GB");
  expect_invalid_naming([] { MemoryLimit(-5); }, "-5");
  expect_invalid_naming([] { MemoryLimit(-0.5); }, "-0.5");
  // Found by fuzz_memory_size: converting 1e30 to uint64 was undefined behaviour.
  expect_invalid_naming([] { MemoryLimit(1e30); }, "invalid memory limit 1e+30: more than 2^64");
  expect_invalid_naming([] { MemoryLimit(18446744073709551616.0); }, "more than 2^64 bytes");
  EXPECT_EQ(MemoryLimit(18446744073709549568.0).resolve(1, 1), 18446744073709549568u);  // < 2^64
  expect_invalid_naming([] { ClusterOptions o{.memory_limit = "4 parsecs"}; }, "4 parsecs");
}

TEST(ClusterOptions, BadCountsNameTheValue) {
  expect_invalid_naming([] { plan_cluster({.n_workers = -1}, machine(2)); }, "-1");
  expect_invalid_naming([] { plan_cluster({.threads_per_worker = 0}, machine(2)); },
                        "threads_per_worker 0");
  expect_invalid_naming([] { plan_cluster({.n_workers = 0}, machine(2)); }, "n_workers 0");
  expect_invalid_naming([] { plan_cluster({.streams_per_gpu = 0}, machine(2)); },
                        "streams_per_gpu 0");
}

// Workers of a backend the program defined join the plan as described, after the CPU and GPU
// workers; they alone make a cluster (n_workers 0) that has something to run on.
TEST(ClusterOptions, BackendWorkersJoinThePlan) {
  const Backend accelerator = define_backend("test-accelerator");
  ClusterOptions options{.n_workers = 0};
  options.backend_workers = {{.backend = accelerator, .threads = 3, .name = "acc-a"},
                             {.backend = accelerator, .memory_limit = 1 << 20}};
  const ClusterPlan plan = plan_cluster(options, machine(4, 16ull << 30, 1));
  ASSERT_EQ(plan.workers.size(), 3u);  // the GPU by default, then the two
  EXPECT_EQ(plan.workers[0].backend, Backend::cuda);
  EXPECT_EQ(plan.workers[1].name, "acc-a");
  EXPECT_EQ(plan.workers[1].threads, 3);
  EXPECT_EQ(plan.workers[2].name, "test-accelerator-1");
  EXPECT_EQ(plan.workers[2].memory_limit, 1u << 20);
  EXPECT_EQ(plan.backend_workers, 2);
  EXPECT_EQ(plan.cpu_workers, 0);
  EXPECT_EQ(plan.total_threads, 0);  // CPU threads only
}

TEST(ClusterOptions, BadBackendWorkersNameTheEntry) {
  ClusterOptions host{.n_workers = 1};
  host.backend_workers = {{.backend = Backend::host, .name = "extra-cpu"}};
  expect_invalid_naming([&] { plan_cluster(host, machine(2)); },
                        "invalid backend_workers entry 'extra-cpu': backend host is planned by "
                        "n_workers");
  ClusterOptions cuda{.n_workers = 1};
  cuda.backend_workers = {{.backend = Backend::cuda, .name = "gpu-x"}};
  expect_invalid_naming([&] { plan_cluster(cuda, machine(2)); }, "by n_gpu_workers");
  ClusterOptions idle{.n_workers = 1};
  idle.backend_workers = {
      {.backend = define_backend("test-accelerator"), .threads = 0, .name = "acc-z"}};
  expect_invalid_naming([&] { plan_cluster(idle, machine(2)); },
                        "invalid threads 0 for backend_workers entry 'acc-z'");
}

TEST(Hardware, CgroupLimitsParse) {
  EXPECT_EQ(detail::cpus_from_cgroup_v2("200000 100000\n"), 2);
  EXPECT_EQ(detail::cpus_from_cgroup_v2("150000 100000"), 2);  // 1.5 CPUs round up
  EXPECT_EQ(detail::cpus_from_cgroup_v2("max 100000"), std::nullopt);
  EXPECT_EQ(detail::cpus_from_cgroup_v2("-1 100000"), std::nullopt);  // cgroup v1 "no quota"
  EXPECT_EQ(detail::bytes_from_cgroup("max\n"), std::nullopt);
  EXPECT_EQ(detail::bytes_from_cgroup("1073741824\n"), 1073741824u);
  EXPECT_EQ(detail::bytes_from_cgroup("9223372036854771712"), std::nullopt);
}

// The topology read where Tessera is built without hwloc, on a made-up sysfs tree: two packages
// of two cores with two hyperthreads each, one CPU without topology (skipped), two NUMA nodes.
TEST(Hardware, TopologyFromSysfsCountsDistinctCoresAndNodes) {
  const auto root =
      std::filesystem::temp_directory_path() / ("tessera_sysfs_" + std::to_string(::getpid()));
  auto write = [&](const std::string& file, const std::string& text) {
    std::filesystem::create_directories((root / file).parent_path());
    std::ofstream(root / file) << text;
  };
  int cpu = 0;
  for (int package = 0; package < 2; ++package)
    for (int core : {0, 4})
      for (int thread = 0; thread < 2; ++thread, ++cpu) {
        const std::string dir = "devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        write(dir + "core_id", std::to_string(core) + "\n");
        write(dir + "physical_package_id", std::to_string(package) + "\n");
      }
  std::filesystem::create_directories(root / "devices/system/cpu/cpu8");     // offline, no topology
  std::filesystem::create_directories(root / "devices/system/cpu/cpufreq");  // not a CPU
  std::filesystem::create_directories(root / "devices/system/node/node0");
  std::filesystem::create_directories(root / "devices/system/node/node1");
  std::filesystem::create_directories(root / "devices/system/node/power");
  const auto topology = detail::topology_from_sysfs(root);
  EXPECT_EQ(topology.physical_cores, 4);
  EXPECT_EQ(topology.numa_nodes, 2);
  // A tree with nothing in it: no cores known, one node.
  const auto empty = detail::topology_from_sysfs(root / "nothing");
  EXPECT_EQ(empty.physical_cores, 0);
  EXPECT_EQ(empty.numa_nodes, 1);
  std::filesystem::remove_all(root);
}

TEST(Hardware, DetectsThisMachine) {
  Hardware h = detect_hardware();
  EXPECT_GE(h.cpu_count, 1);
  EXPECT_GT(h.memory, 0u);
  EXPECT_GE(h.physical_cores, 1);
  EXPECT_GE(h.numa_nodes, 1);
  EXPECT_EQ(h.cpu_count, cpu_count());
}
