// A GPU worker that cannot use its device never ends the process: it is marked failed and takes
// no more tasks, work only it could run fails with a TaskError naming the device's error, work
// others can run goes to them, and the cluster closes. The failure is injected with a device no
// machine has (99): creating its stream fails with CUDA and a GPU, with CUDA and no driver, and
// in builds without CUDA alike, so this runs everywhere (under ThreadSanitizer in CI too).
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "scheduling/scheduler.hpp"
#include "simulated_device.hpp"
#include "tessera/run_graph.hpp"
#include "tessera/tessera.hpp"

using namespace tessera;
using namespace std::chrono_literals;
using detail::Scheduler;

namespace {

constexpr int missing_device = 99;
constexpr const char* device_failure = "gpu-0 failed: cannot create a CUDA stream on device 99";

// A task returning `value`, with a function for each of `backends`.
TaskPtr task(BackendSet backends, int value) {
  auto run = [value](std::span<const Value* const>, const TaskContext&) -> Value { return value; };
  const bool gpu_only = !backends.contains(Backend::host);
  TaskFunctions functions;
  backends.for_each([&](Backend backend) { functions.on(backend, run); });
  return std::make_shared<const TaskNode>(gpu_only ? "on-gpu" : "anywhere", std::vector<TaskPtr>{},
                                          std::move(functions));
}

// A CPU task adding one to its input.
TaskPtr plus_one(TaskPtr input) {
  return std::make_shared<const TaskNode>(
      "plus-one", std::vector<TaskPtr>{std::move(input)},
      [](std::span<const Value* const> in, const TaskContext&) -> Value {
        return in[0]->get<int>() + 1;
      });
}

// Why worker `w` failed, once it says so: its threads find out as they start. "" after a minute.
std::string failure_of(const Scheduler& scheduler, int w) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (; std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(1ms))
    if (std::string failure = scheduler.stats(w).failure; !failure.empty()) return failure;
  return "";
}

// Output k failed with a TaskError of task `key` that names gpu-0 and its device's failure.
::testing::AssertionResult fails_naming_the_device(const Computation& computation, std::size_t k,
                                                   const std::string& key) {
  std::exception_ptr error = computation.output_error(k);
  if (!error) return ::testing::AssertionFailure() << "output " << k << " did not fail";
  try {
    std::rethrow_exception(error);
  } catch (const TaskError& e) {
    if (e.key() != key || e.worker() != "gpu-0" ||
        e.original_message().find(device_failure) == std::string::npos)
      return ::testing::AssertionFailure() << "output " << k << ": task " << e.key() << " on '"
                                           << e.worker() << "': " << e.what();
    return ::testing::AssertionSuccess();
  } catch (const std::exception& e) {
    return ::testing::AssertionFailure() << "output " << k << ": not a TaskError: " << e.what();
  }
}

}  // namespace

TEST(GpuWorkerFailure, GpuOnlyWorkFailsNamingTheDeviceAndTheRestRunsOnCpuWorkers) {
  // Fresh clusters submitted to at once: the GPU worker fails before or after tasks were queued
  // on it (then it hands them on). The second pass submits once the failure is known.
  for (int round = 0; round < 20; ++round) {
    Scheduler scheduler(
        {{Backend::host, 2, -1, "cpu-0"}, {Backend::cuda, 1, missing_device, "gpu-0"}},
        "broken-gpu");
    for (int pass = 0; pass < 2; ++pass) {
      if (pass == 1) {
        ASSERT_NE(failure_of(scheduler, 1), "");
      }
      const TaskPtr on_gpu = task(BackendSet{Backend::cuda}, -1),
                    input_on_gpu = task(BackendSet{Backend::cuda}, -2);
      std::vector<TaskPtr> outputs{on_gpu, plus_one(input_on_gpu)};
      for (int k = 0; k < 8; ++k)
        outputs.push_back(task(BackendSet{Backend::host, Backend::cuda}, k));
      outputs.push_back(plus_one(task(BackendSet{Backend::host, Backend::cuda}, 100)));
      auto computation = scheduler.submit(build_graph(outputs));
      computation->wait();
      EXPECT_TRUE(fails_naming_the_device(*computation, 0, on_gpu->key())) << round;
      // Its dependent is cancelled with its input's error, as after any failure.
      EXPECT_TRUE(fails_naming_the_device(*computation, 1, input_on_gpu->key())) << round;
      for (int k = 0; k < 8; ++k) {
        ASSERT_EQ(computation->output_error(2 + k), nullptr) << round;
        EXPECT_EQ(computation->output(2 + k).get<int>(), k);
      }
      ASSERT_EQ(computation->output_error(10), nullptr) << round;
      EXPECT_EQ(computation->output(10).get<int>(), 101);
    }
    const auto stats = scheduler.stats(1);
    EXPECT_EQ(stats.finished, 0u) << "the failed worker ran nothing";
    EXPECT_EQ(stats.queued, 0u) << "and holds nothing";
    EXPECT_NE(stats.failure.find("cannot create a CUDA stream on device 99: "), std::string::npos)
        << stats.failure;
    EXPECT_EQ(scheduler.stats(0).failure, "");
    scheduler.stop();  // the failed worker's threads end with the others
  }
}

TEST(GpuWorkerFailure, AnotherDeviceWorkerTakesOverTheFailedOnesWork) {
  // Tasks for devices only: gpu-1, a simulated device that runs on this machine, takes them all.
  const Backend simulated = test_support::simulated_device_backend();
  Scheduler scheduler({{Backend::cuda, 1, missing_device, "gpu-0"}, {simulated, 2, -1, "gpu-1"}},
                      "one-broken-gpu");
  std::vector<TaskPtr> outputs;
  for (int k = 0; k < 32; ++k) outputs.push_back(task(BackendSet{Backend::cuda, simulated}, k));
  auto computation = run_graph(scheduler, outputs);
  for (int k = 0; k < 32; ++k) EXPECT_EQ(computation->output(k).get<int>(), k);
  EXPECT_NE(failure_of(scheduler, 0), "");
  EXPECT_EQ(scheduler.stats(0).finished, 0u) << "so gpu-1 ran them all";
  EXPECT_EQ(scheduler.stats(1).failure, "");
}

TEST(GpuWorkerFailure, WithNoWorkerLeftEvenFlexibleWorkFailsNamingTheDevice) {
  Scheduler scheduler({{Backend::cuda, 2, missing_device, "gpu-0"}}, "only-gpu-broken");
  for (int pass = 0; pass < 2; ++pass) {  // before and after the failure is known
    if (pass == 1) {
      ASSERT_NE(failure_of(scheduler, 0), "");
    }
    const TaskPtr flexible = task(BackendSet{Backend::host, Backend::cuda}, 1),
                  on_gpu = task(BackendSet{Backend::cuda}, 2);
    auto computation = scheduler.submit(build_graph({flexible, on_gpu}));
    computation->wait();
    EXPECT_TRUE(fails_naming_the_device(*computation, 0, flexible->key()));
    EXPECT_TRUE(fails_naming_the_device(*computation, 1, on_gpu->key()));
  }
}

TEST(GpuWorkerFailure, ACudaWorkerWithoutADeviceFailsNamingIt) {
  // -1 is "no device", not a simulation: the worker fails at once, saying why, and the host
  // worker runs what it can.
  Scheduler scheduler({{Backend::host, 1, -1, "cpu-0"}, {Backend::cuda, 1, -1, "gpu-0"}},
                      "gpu-without-device");
  EXPECT_NE(failure_of(scheduler, 1)
                .find("a CUDA worker needs a device index of 0 or more, got "
                      "device -1"),
            std::string::npos)
      << scheduler.stats(1).failure;
  auto computation = run_graph(scheduler, {task(BackendSet{Backend::host, Backend::cuda}, 7)});
  EXPECT_EQ(computation->output(0).get<int>(), 7);
  EXPECT_EQ(scheduler.stats(1).finished, 0u);
}
