// A backend defined by a test: a simulated device whose memory is host memory. Its workers are
// described like any other (WorkerInfo), its array kernels registered the way host's and CUDA's
// are; the scheduler, untouched, runs array chunks and hand-made tasks there. What a new kind of
// place to run (MPI ranks, another device) needs, and nothing more.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>

#include "host_device_memory.hpp"
#include "scheduler.hpp"
#include "tessera/array_kernels.hpp"
#include "tessera/kernels/array_host.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
using scheduler_detail::Scheduler;

namespace {

// Computes like host (its kernels are the host kernels), keeps its chunks in a HostDeviceMemory,
// and counts what it ran: the proof that chunks ran there and not on a host worker.
struct SimulatedDevice {
  const Backend backend = define_backend("simulated-device");
  const std::shared_ptr<test_support::HostDeviceMemory> memory =
      std::make_shared<test_support::HostDeviceMemory>();
  std::atomic<int> evaluated{0}, reduced{0};
  std::atomic<int> foreign_calls{0};  // kernels called in a context of another backend

  SimulatedDevice() {
    set_array_kernels(
        backend,
        {.memory = [this](const TaskContext&) -> std::shared_ptr<DeviceMemory> { return memory; },
         .evaluate =
             [this](const TaskContext& context, const kernels::Program& program,
                    const kernels::Box& box, kernels::DType dtype, void* out) {
               if (context.backend != backend) ++foreign_calls;
               ++evaluated;
               kernels::evaluate_host(program, box, dtype, out);
             },
         .reduce =
             [this](const TaskContext& context, const kernels::Program& program,
                    const kernels::Box& box, const bool* axes, kernels::ReduceOp op,
                    kernels::Partial* partials) {
               if (context.backend != backend) ++foreign_calls;
               ++reduced;
               kernels::reduce_host(program, box, axes, op, partials);
             },
         .reads_host_chunks = false});
  }
};

SimulatedDevice& simulated() {
  static SimulatedDevice device;
  return device;
}

NDArray compute_on(const std::shared_ptr<Scheduler>& scheduler, const Array& array) {
  detail::push_executor(scheduler);
  NDArray result = array.compute();
  detail::remove_executor(scheduler.get());
  return result;
}

bool same_bits(const NDArray& a, const NDArray& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.nbytes() == b.nbytes() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

std::uint64_t finished_tasks(const Scheduler& scheduler) {
  std::uint64_t finished = 0;
  for (const WorkerInfo& worker : scheduler.workers()) finished += worker.finished;
  return finished;
}

}  // namespace

TEST(CustomBackend, HasItsOwnNameAndIndex) {
  const Backend backend = simulated().backend;
  EXPECT_NE(backend, Backend::host);
  EXPECT_NE(backend, Backend::cuda);
  EXPECT_EQ(backend_name(backend), "simulated-device");
  EXPECT_EQ(define_backend("simulated-device"), backend);  // defined once, found again
  EXPECT_EQ((BackendSet{Backend::host, backend}.names()), "host, simulated-device");
}

TEST(CustomBackend, RunsEveryChunkOfAnArrayOnItsOwnWorkers) {
  SimulatedDevice& device = simulated();
  const Array y = random::random({300, 200}, {64, 64}, 7) * 2.0 + 1.0;  // 5 x 4 chunks
  auto host = std::make_shared<Scheduler>(std::vector<WorkerInfo>{{Backend::host, 1, -1, "cpu-0"}},
                                          "host-only");
  const NDArray expected = compute_on(host, y);

  // No host worker at all: every task of the graph must run on the simulated device.
  auto cluster = std::make_shared<Scheduler>(
      std::vector<WorkerInfo>{{device.backend, 2, -1, "sim-0"}, {device.backend, 1, -1, "sim-1"}},
      "simulated-only");
  const int before = device.evaluated.load();
  const NDArray result = compute_on(cluster, y);
  EXPECT_TRUE(same_bits(result, expected));
  EXPECT_EQ(device.evaluated.load() - before, 20);
  EXPECT_EQ(finished_tasks(*cluster), 20u);
  EXPECT_EQ(device.foreign_calls.load(), 0);
  EXPECT_EQ(device.memory->live(), 0u);  // each chunk went to host memory and freed the device's
  EXPECT_GT(device.memory->copies.load(), 0);
}

TEST(CustomBackend, ShareAReductionWithHostWorkersWithTheSameBits) {
  SimulatedDevice& device = simulated();
  const Array x = random::random({256, 256}, {32, 64}, 11);  // 8 x 4 chunks
  const Array total = (x * x).sum();
  auto host = std::make_shared<Scheduler>(std::vector<WorkerInfo>{{Backend::host, 1, -1, "cpu-0"}},
                                          "host-only");
  const NDArray expected = compute_on(host, total);

  // Chunk partials on either kind of worker; the combining tasks (host code only) on the host.
  auto cluster = std::make_shared<Scheduler>(
      std::vector<WorkerInfo>{{Backend::host, 1, -1, "cpu-0"}, {device.backend, 1, -1, "sim-0"}},
      "host-and-simulated");
  const int before = device.reduced.load();
  EXPECT_TRUE(same_bits(compute_on(cluster, total), expected));
  EXPECT_GT(device.reduced.load() - before, 0);
  EXPECT_GT(cluster->stats(1).finished, 0u);
  EXPECT_EQ(device.foreign_calls.load(), 0);
}

TEST(CustomBackend, RunsTasksThatHaveAFunctionForIt) {
  const Backend backend = simulated().backend;
  // Each task reports which backend ran it; only the simulated device has a function.
  auto on_device = [backend](int add) {
    return TaskFunctions{}.on(
        backend,
        [add, backend](std::span<const Value* const> inputs, const TaskContext& context) -> Value {
          if (context.backend != backend)
            throw std::logic_error("ran on " + std::string(backend_name(context.backend)));
          int sum = add;
          for (const Value* input : inputs) sum += input->get<int>();
          return sum;
        });
  };
  auto a = std::make_shared<const TaskNode>("a", std::vector<TaskPtr>{}, on_device(1));
  auto b = std::make_shared<const TaskNode>("b", std::vector<TaskPtr>{}, on_device(2));
  auto c = std::make_shared<const TaskNode>("c", std::vector<TaskPtr>{a, b}, on_device(10));
  EXPECT_EQ(c->backends(), BackendSet{backend});

  Scheduler cluster({{backend, 2, -1, "sim-0"}}, "simulated-tasks");
  auto computation = cluster.submit(build_graph({c}));
  computation->wait();
  computation->rethrow_if_failed();
  EXPECT_EQ(computation->output(0).get<int>(), 13);

  // A host-only task cannot run there: refused at submission, naming what it needs and has.
  auto host_only = std::make_shared<const TaskNode>(
      "host-only", std::vector<TaskPtr>{c},
      [](std::span<const Value* const>, const TaskContext&) -> Value { return 0; });
  try {
    cluster.submit(build_graph({host_only}));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(host_only->key()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("runs only on host workers"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("it has simulated-device"), std::string::npos) << e.what();
  }
}
