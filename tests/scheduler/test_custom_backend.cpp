// A backend defined by a test: a simulated device whose memory is host memory. Its workers are
// described like any other (WorkerInfo), its array kernels registered the way host's and CUDA's
// are; the scheduler, untouched, runs array chunks and hand-made tasks there. What a new kind of
// place to run (MPI ranks, another device) needs, and nothing more.
#include <gtest/gtest.h>

#include <atomic>
#include <cstring>
#include <sstream>
#include <stdexcept>
#include <string>

#include "simulated_device.hpp"
#include "tessera/run_graph.hpp"
#include "tessera/tessera.hpp"
#include "tessera/worker_context.hpp"

using namespace tessera;

namespace {

using test_support::SimulatedDevice;

SimulatedDevice& simulated() {
  return test_support::simulated_device();
}

// A cluster of exactly these workers, without a dashboard: the host ones planned by n_workers,
// the simulated device's through backend_workers, as a program that defines a backend does.
ClusterOptions workers(int host_workers, std::vector<WorkerInfo> backend_workers) {
  ClusterOptions options{.n_workers = host_workers, .threads_per_worker = 1};
  options.n_gpu_workers = 0;
  options.dashboard_address = "";
  options.backend_workers = std::move(backend_workers);
  return options;
}

NDArray compute_on(LocalCluster& cluster, const Array& array) {
  Client client(cluster);
  return array.compute();
}

bool same_bits(const NDArray& a, const NDArray& b) {
  return a.shape() == b.shape() && a.dtype() == b.dtype() && a.nbytes() == b.nbytes() &&
         std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0;
}

std::uint64_t finished_tasks(const LocalCluster& cluster) {
  std::uint64_t finished = 0;
  for (const WorkerInfo& worker : cluster.executor()->workers()) finished += worker.finished;
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
  LocalCluster host(workers(1, {}));
  const NDArray expected = compute_on(host, y);

  // No host worker at all: every task of the graph must run on the simulated device.
  LocalCluster cluster(workers(0, {{.backend = device.backend, .threads = 2, .name = "sim-0"},
                                   {.backend = device.backend, .threads = 1}}));
  EXPECT_EQ(cluster.executor()->workers().at(1).name, "simulated-device-1");  // its backend's
  std::ostringstream described;
  described << cluster;  // listed where the cluster is described
  EXPECT_NE(described.str().find("2 (0 CPU, 0 GPU, 2 other)"), std::string::npos);
  EXPECT_NE(described.str().find("Other workers:\n    sim-0: simulated-device x 2 threads\n"
                                 "    simulated-device-1: simulated-device x 1 thread\n"),
            std::string::npos)
      << described.str();
  const int before = device.evaluated.load();
  const NDArray result = compute_on(cluster, y);
  EXPECT_TRUE(same_bits(result, expected));
  EXPECT_EQ(device.evaluated.load() - before, 20);
  EXPECT_EQ(finished_tasks(cluster), 20u);
  EXPECT_EQ(device.foreign_calls.load(), 0);
  EXPECT_EQ(device.memory->live(), 0u);  // each chunk went to host memory and freed the device's
  EXPECT_GT(device.memory->copies.load(), 0);
}

TEST(CustomBackend, ShareAReductionWithHostWorkersWithTheSameBits) {
  SimulatedDevice& device = simulated();
  const Array x = random::random({256, 256}, {32, 64}, 11);  // 8 x 4 chunks
  const Array total = (x * x).sum();
  LocalCluster host(workers(1, {}));
  const NDArray expected = compute_on(host, total);

  // Chunk partials on either kind of worker; the combining tasks (host code only) on the host.
  LocalCluster cluster(workers(1, {{.backend = device.backend}}));
  const int before = device.reduced.load();
  EXPECT_TRUE(same_bits(compute_on(cluster, total), expected));
  EXPECT_GT(device.reduced.load() - before, 0);
  EXPECT_GT(cluster.executor()->workers().at(1).finished, 0u);
  EXPECT_EQ(device.foreign_calls.load(), 0);
}

// Without any host worker (as a GPU-only cluster, n_workers = 0): the chunks' partials and the
// tasks that combine them (host code over a few bytes, runnable anywhere) all run there.
TEST(CustomBackend, ReducesWithNoHostWorkerAtAll) {
  SimulatedDevice& device = simulated();
  const Array x = random::random({256, 256}, {32, 64}, 13);     // 8 x 4 chunks
  const Array means = (x * 3.0).mean({0}, {.split_every = 2});  // a tree of combine levels
  LocalCluster host(workers(1, {}));
  const NDArray expected = compute_on(host, means);

  LocalCluster cluster(workers(0, {{.backend = device.backend, .threads = 2}}));
  const int before = device.reduced.load();
  EXPECT_TRUE(same_bits(compute_on(cluster, means), expected));
  EXPECT_EQ(device.reduced.load() - before, 32);
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

  LocalCluster cluster(workers(0, {{.backend = backend, .threads = 2}}));
  Client client(cluster);
  auto computation = client.executor()->submit(build_graph({c}));
  computation->wait();
  computation->rethrow_if_failed();
  EXPECT_EQ(computation->output(0).get<int>(), 13);

  // A host-only task cannot run there: refused at submission, naming what it needs and has.
  auto host_only = std::make_shared<const TaskNode>(
      "host-only", std::vector<TaskPtr>{c},
      [](std::span<const Value* const>, const TaskContext&) -> Value { return 0; });
  try {
    client.executor()->submit(build_graph({host_only}));
    FAIL() << "no exception";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(host_only->key()), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("runs only on host workers"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("it has simulated-device"), std::string::npos) << e.what();
  }
}

namespace {

// What the simulated device gives each worker thread: a "stream" of its own (an address no other
// thread has), counted as it is made and taken back; after `faulted` a device fault.
struct CountingContexts {
  std::atomic<int> opened{0}, closed{0};
  std::atomic<bool> faulted{false};
  std::atomic<bool> refuse{false};

  class Context final : public WorkerContext {
   public:
    explicit Context(CountingContexts& owner) : owner_(owner) { ++owner_.opened; }
    ~Context() override { ++owner_.closed; }
    void* stream() const noexcept override { return const_cast<Context*>(this); }
    std::string fault() const noexcept override {
      return owner_.faulted.load() ? "simulated device lost" : "";
    }

   private:
    CountingContexts& owner_;
  };

  WorkerContextFactory factory() {
    return [this](const WorkerInfo& worker, int thread) -> std::unique_ptr<WorkerContext> {
      if (refuse.load())
        throw std::runtime_error("no simulated device for " + worker.name + " thread " +
                                 std::to_string(thread));
      return std::make_unique<Context>(*this);
    };
  }
};

// A task for the simulated device only that returns the stream its context had.
TaskPtr stream_probe(Backend backend, bool fail) {
  return std::make_shared<const TaskNode>(
      "probe", std::vector<TaskPtr>{},
      TaskFunctions{}.on(
          backend, [fail](std::span<const Value* const>, const TaskContext& context) -> Value {
            if (fail) throw std::runtime_error("task failed");
            return context.stream;
          }));
}

}  // namespace

TEST(CustomBackend, ItsWorkerThreadsHoldTheContextsItsFactoryMakes) {
  const Backend backend = simulated().backend;
  CountingContexts contexts;
  set_worker_context_factory(backend, contexts.factory());
  {
    LocalCluster cluster(workers(0, {{.backend = backend, .threads = 3, .name = "sim-0"}}));
    auto computation = run_graph(*cluster.executor(), {stream_probe(backend, false)});
    EXPECT_NE(computation->output(0).get<void*>(), nullptr) << "tasks see their stream";
    cluster.close();
    EXPECT_EQ(contexts.opened.load(), 3) << "one per thread";
    EXPECT_EQ(contexts.closed.load(), 3) << "each taken back as its thread ends";
  }
  set_worker_context_factory(backend, {});
}

TEST(CustomBackend, AFactoryThatThrowsFailsTheWorkerNamingWhy) {
  const Backend backend = simulated().backend;
  CountingContexts contexts;
  contexts.refuse = true;
  set_worker_context_factory(backend, contexts.factory());
  LocalCluster cluster(workers(1, {{.backend = backend, .name = "sim-0"}}));
  // A task only the refused worker could run fails naming the factory's message.
  auto computation = cluster.executor()->submit(build_graph({stream_probe(backend, false)}));
  computation->wait();
  ASSERT_NE(computation->output_error(0), nullptr);
  try {
    std::rethrow_exception(computation->output_error(0));
  } catch (const TaskError& e) {
    EXPECT_NE(e.original_message().find("no simulated device for sim-0 thread 0"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(cluster.executor()->workers().at(1).failure, "no simulated device for sim-0 thread 0");
  set_worker_context_factory(backend, {});
}

TEST(CustomBackend, AFaultItsContextReportsTakesTheWorkerOutOfService) {
  const Backend backend = simulated().backend;
  CountingContexts contexts;
  contexts.faulted = true;
  set_worker_context_factory(backend, contexts.factory());
  LocalCluster cluster(
      workers(0, {{.backend = backend, .name = "sim-0"}, {.backend = backend, .name = "sim-1"}}));
  // The first failure on a worker whose context reports a fault takes that worker out; the
  // other worker fails the same way when its own task fails.
  auto computation = cluster.executor()->submit(build_graph({stream_probe(backend, true)}));
  computation->wait();
  EXPECT_NE(computation->output_error(0), nullptr);
  int out_of_service = 0;
  for (int w = 0; w < 2; ++w)
    if (cluster.executor()->workers().at(w).failure == "simulated device lost") ++out_of_service;
  EXPECT_EQ(out_of_service, 1);
  set_worker_context_factory(backend, {});
}
