// Device workers' results through a cluster, with a simulated device worker (a backend the test
// defines, on host-backed device memory) so they run on machines without a GPU: results waiting
// on the device stay within its device_memory budget, requested outputs come back in host memory,
// and persist's keepers take device chunks into the store's device tier.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "device_chunks.hpp"
#include "scratch_path.hpp"
#include "simulated_device.hpp"
#include "tessera/run_graph.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
using namespace tessera::test_support;
namespace fs = std::filesystem;

namespace {

// A task for device workers that makes room on its device and leaves chunk `id` there.
TaskPtr device_task(std::shared_ptr<HostDeviceMemory> memory, int id) {
  auto run = [memory, id](std::span<const Value* const>, const TaskContext& context) -> Value {
    if (context.store) context.store->make_device_room(context.worker, MiB);
    return device_chunk(memory, context.worker, id);
  };
  return std::make_shared<const TaskNode>(
      "on-device", std::vector<TaskPtr>{},
      TaskFunctions{}.on(test_support::simulated_device_backend(), run));
}

// One CPU task reading every chunk: true when each holds its pattern.
TaskPtr check_all(std::vector<TaskPtr> chunks) {
  return std::make_shared<const TaskNode>(
      "check", std::move(chunks),
      [](std::span<const Value* const> in, const TaskContext&) -> Value {
        bool all = true;
        for (std::size_t k = 0; k < in.size(); ++k)
          all = all && holds(in[k]->get<NDArray>(), static_cast<int>(k));
        return all;
      });
}

// A CPU worker (0) and a simulated device worker (1) with `device_budget` on its device, through
// LocalCluster as a program defines a backend of its own; spill files under `dir`.
LocalCluster simulated_gpu_cluster(const std::string& name, std::uint64_t device_budget,
                                   const fs::path& dir) {
  return LocalCluster({.n_workers = 1,
                       .threads_per_worker = 1,
                       .memory_limit = "128MiB",  // 77 MiB for chunks in host memory: none spill
                       .n_gpu_workers = 0,
                       .dashboard_address = "",
                       .name = name,
                       .local_directory = dir.string(),
                       .memory_spill = 0,  // this process's resident memory is not the test's
                       .backend_workers = {{test_support::simulated_device_backend(), 1, -1,
                                            "gpu-0", device_budget}}});
}

WorkerInfo device_worker(const LocalCluster& cluster) {
  return cluster.executor()->workers().at(1);
}

}  // namespace

TEST(DeviceResults, ChunksWaitingOnAGpuWorkerStayWithinItsDeviceBudget) {
  auto memory = std::make_shared<HostDeviceMemory>();
  LocalCluster cluster =
      simulated_gpu_cluster("device-results", 2 * MiB, scratch("tessera_device_results"));
  ASSERT_EQ(device_worker(cluster).name, "gpu-0");
  std::vector<TaskPtr> chunks;
  for (int id = 0; id < 8; ++id) chunks.push_back(device_task(memory, id));
  auto computation = run_graph(*cluster.executor(), {check_all(chunks)});
  EXPECT_TRUE(computation->output(0).get<bool>()) << "every chunk came back exactly";
  EXPECT_LE(memory->peak(), 2 * MiB) << "room is made before each chunk is allocated";
  EXPECT_EQ(device_worker(cluster).device_spilled_total, 6 * MiB);
  computation.reset();
  EXPECT_EQ(memory->live(), 0u) << "chunks leave the device once their consumer finished";
  EXPECT_EQ(device_worker(cluster).device_bytes, 0u);
}

TEST(DeviceResults, RequestedOutputsAreCopiedToHostMemory) {
  auto memory = std::make_shared<HostDeviceMemory>();
  LocalCluster cluster =
      simulated_gpu_cluster("device-outputs", 2 * MiB, scratch("tessera_device_outputs"));
  auto computation = run_graph(*cluster.executor(), {device_task(memory, 3)});
  const Value::HostChunk* host = computation->output(0).host_chunk();
  ASSERT_NE(host, nullptr) << "a host array, not a device one";
  EXPECT_TRUE(holds(**host, 3));
  EXPECT_EQ(memory->live(), 0u) << "the device copy is freed at once";
}

TEST(DeviceResults, PersistsKeepersTakeDeviceChunksIntoTheDeviceTier) {
  auto memory = std::make_shared<HostDeviceMemory>();
  LocalCluster cluster =
      simulated_gpu_cluster("device-keepers", 2 * MiB, scratch("tessera_device_keepers"));
  std::shared_ptr<ChunkStore> store = cluster.executor()->chunk_store();
  std::vector<TaskPtr> keepers;
  for (int id = 0; id < 5; ++id)
    keepers.push_back(std::make_shared<const TaskNode>(
        "store", std::vector<TaskPtr>{device_task(memory, id)},
        [store](std::span<const Value* const> in, const TaskContext&) -> Value {
          return store->put(in[0]->get<std::shared_ptr<DeviceArray>>());
        },
        /*stores_inputs=*/true));
  auto computation = run_graph(*cluster.executor(), keepers);
  std::vector<std::shared_ptr<StoredChunk>> blocks;
  for (std::size_t k = 0; k < keepers.size(); ++k)
    blocks.push_back(computation->output(k).get<Value::Stored>());
  const WorkerInfo worker = device_worker(cluster);
  EXPECT_EQ(worker.device_bytes, 2 * MiB) << "the newest two stay on the device";
  EXPECT_EQ(worker.stored, 3 * MiB) << "the older three moved to host memory";
  for (int id = 0; id < 5; ++id) EXPECT_TRUE(holds(*blocks[id]->load(), id)) << id;
}
