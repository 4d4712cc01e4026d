// The dashboard's parts without a server: addresses, link templates, the event ring, tokens.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstdlib>

#include "bind_address.hpp"
#include "dashboard_assets.hpp"
#include "dashboard_link.hpp"
#include "event_log.hpp"
#include "json_api.hpp"
#include "metrics.hpp"
#include "routes.hpp"
#include "token_auth.hpp"

using namespace tessera;
using namespace tessera::dashboard;

TEST(DashboardParts, ParsesAddressesTheWayDaskWritesThem) {
  EXPECT_EQ(parse_bind_address("127.0.0.1:8787").host, "127.0.0.1");
  EXPECT_EQ(parse_bind_address("127.0.0.1:8787").port, 8787);
  EXPECT_EQ(parse_bind_address(":0").host, "127.0.0.1");
  EXPECT_EQ(parse_bind_address(":0").port, 0);
  EXPECT_EQ(parse_bind_address("localhost").port, 8787);
  EXPECT_EQ(parse_bind_address("[::1]:9000").host, "::1");
  EXPECT_EQ(parse_bind_address("[::1]:9000").port, 9000);
  EXPECT_EQ(parse_bind_address("::1").host, "::1");
  EXPECT_THROW(parse_bind_address("host:99999"), std::invalid_argument);
  EXPECT_THROW(parse_bind_address("host:http"), std::invalid_argument);
  EXPECT_THROW(parse_bind_address("[::1:80"), std::invalid_argument);
}

TEST(DashboardParts, KnowsLoopbackFromTheRest) {
  for (const char* host : {"127.0.0.1", "127.1.2.3", "localhost", "::1"})
    EXPECT_TRUE(is_loopback(host)) << host;
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "192.168.1.1", "example.org", ""})
    EXPECT_FALSE(is_loopback(host)) << host;
  EXPECT_EQ(host_for_url("::1"), "[::1]");
  EXPECT_EQ(host_for_url("127.0.0.1"), "127.0.0.1");
  EXPECT_NE(host_for_url("0.0.0.0"), "0.0.0.0");  // the machine's name instead
}

TEST(DashboardParts, LoopbackDashboardsAnswerOnlyLoopbackHostHeaders) {
  for (const char* header : {"localhost", "localhost:8787", "LocalHost:1", "127.0.0.1",
                             "127.0.0.1:8787", "[::1]", "[::1]:8787", "127.0.0.2:9", "127.0.0.2"})
    EXPECT_TRUE(is_loopback_host_header(header, "127.0.0.2")) << header;
  EXPECT_TRUE(is_loopback_host_header("[::1]:8787", "::1"));
  // Names a rebound DNS entry would carry, and malformed ports.
  for (const char* header :
       {"evil.example", "evil.example:8787", "127.0.0.1.evil.example", "localhost.evil.example",
        "127.0.0.3:8787", "", ":8787", "localhost:", "localhost:87a", "localhost:123456", "::1",
        "[::1]x", "localhost:8787:1", "10.0.0.1"})
    EXPECT_FALSE(is_loopback_host_header(header, "127.0.0.2")) << header;
}

TEST(DashboardParts, ExpandsLinkTemplates) {
  setenv("TESSERA_TEST_PREFIX", "/user/grace/", 1);
  EXPECT_EQ(expand_link(kDefaultLinkTemplate, "127.0.0.1", 8787, ""),
            "http://127.0.0.1:8787/status");
  EXPECT_EQ(expand_link("{TESSERA_TEST_PREFIX}proxy/{port}/status", "h", 41000, ""),
            "/user/grace/proxy/41000/status");
  EXPECT_EQ(expand_link("{TESSERA_UNSET_VARIABLE_X}proxy/{port}/status", "h", 1, ""),
            "proxy/1/status");
  EXPECT_EQ(expand_link("http://{host}:{port}/status", "h", 2, "abc"),
            "http://h:2/status?token=abc");
  EXPECT_EQ(expand_link("http://{host}/s?x=1", "h", 2, "abc"), "http://h/s?x=1&token=abc");
  EXPECT_EQ(expand_link("{scheme}://{host}/t/{token}", "h", 2, "abc"), "http://h/t/abc");
  EXPECT_EQ(expand_link("odd {brace", "h", 2, ""), "odd {brace");
  unsetenv("TESSERA_TEST_PREFIX");
  unsetenv("TESSERA_DASHBOARD_LINK");
  EXPECT_EQ(link_template(""), kDefaultLinkTemplate);
  EXPECT_EQ(link_template("{port}"), "{port}");
}

namespace {

diagnostics::TaskRecord task(std::uint64_t id, const char* cluster = "c") {
  diagnostics::TaskRecord r;
  r.run = 1;
  r.task = id;
  r.group = std::string_view(id % 2 ? "odd" : "even");
  r.cluster = std::string_view(cluster);
  r.worker = 0;
  r.start = 1.0 * id;
  r.stop = 1.0 * id + 0.5;
  return r;
}

}  // namespace

TEST(DashboardParts, EventLogKeepsTheNewestRecordsWithIncreasingSeq) {
  EventLog log("c", /*capacity=*/10);
  diagnostics::RunRecord run;
  run.run = 1;
  run.cluster = "c";
  run.tasks = 25;
  run.groups = {{"odd", 13}, {"even", 12}};
  log.run_submitted(run);
  for (std::uint64_t i = 1; i <= 25; ++i) log.task_finished(task(i));
  log.task_finished(task(99, "another cluster"));  // not ours: ignored
  EXPECT_EQ(log.last_seq(), 25u);

  TaskBatch all = log.tasks_since(0, 100);
  EXPECT_EQ(all.first_seq, 16u);
  EXPECT_EQ(all.last_seq, 25u);
  ASSERT_EQ(all.tasks.size(), 10u);
  EXPECT_EQ(all.from_seq, 16u);
  for (std::size_t i = 0; i < all.tasks.size(); ++i) {
    EXPECT_EQ(all.tasks[i].task, 16 + i);  // seq and record agree after wrapping around
    EXPECT_DOUBLE_EQ(all.tasks[i].stop(), 16.5 + i);
    EXPECT_EQ(all.group_names[all.tasks[i].group], (16 + i) % 2 ? "odd" : "even");
  }
  TaskBatch oldest = log.tasks_since(17, 3);
  ASSERT_EQ(oldest.tasks.size(), 3u);
  EXPECT_EQ(oldest.from_seq, 18u);
  EXPECT_EQ(oldest.tasks[0].task, 18u);
  EXPECT_EQ(oldest.skipped, 5u);
  TaskBatch newest = log.tasks_since(17, 3, /*newest=*/true);
  ASSERT_EQ(newest.tasks.size(), 3u);
  EXPECT_EQ(newest.from_seq, 23u);
  EXPECT_EQ(newest.tasks[0].task, 23u);
  EXPECT_TRUE(log.tasks_since(25, 10).tasks.empty());
  EXPECT_TRUE(log.tasks_since(1000, 10).tasks.empty());

  run.time = 30;
  log.run_finished(run);
  const auto runs = log.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].done, 25u);
  EXPECT_EQ(runs[0].finished, 30);
  EXPECT_EQ(runs[0].cancelled, 0u);
  ASSERT_EQ(runs[0].groups.size(), 2u);
  EXPECT_EQ(runs[0].groups[0].done, 13u);
  EXPECT_EQ(runs[0].groups[1].done, 12u);
}

TEST(DashboardParts, EventLogCapsTheNumberOfGroupNames) {
  EventLog log("c", 16);
  diagnostics::TaskRecord r = task(1);
  for (std::uint32_t i = 0; i < kMaxGroupNames + 10; ++i) {
    const std::string name = fmt::format("g{}", i);
    r.group = name;
    log.task_finished(r);
  }
  const TaskBatch batch = log.tasks_since(0, 100, true);
  ASSERT_EQ(batch.group_names.size(), kMaxGroupNames);
  EXPECT_EQ(batch.group_names.back(), "(other groups)");
  EXPECT_EQ(batch.tasks.back().group, kMaxGroupNames - 1);
}

TEST(DashboardParts, TokensAreRandomAndCheckedExactly) {
  unsetenv("TESSERA_DASHBOARD_TOKEN");
  const std::string a = make_token(), b = make_token();
  EXPECT_EQ(a.size(), 48u);
  EXPECT_NE(a, b);
  TokenAuth auth(a, 8787);
  HttpResponse response;
  HttpRequest request;
  EXPECT_FALSE(auth.admit(request, response));
  request.params.emplace("token", a.substr(0, 47));
  EXPECT_FALSE(auth.admit(request, response));
  request.params.clear();
  request.params.emplace("token", a);
  EXPECT_TRUE(auth.admit(request, response));
  EXPECT_NE(response.header("Set-Cookie").find("tessera-dashboard-8787=" + a), std::string::npos);
  HttpRequest cookie;
  cookie.headers.emplace("Cookie", "other=1; tessera-dashboard-8787=" + a + "; x=y");
  EXPECT_TRUE(auth.admit(cookie, response));
  HttpRequest other_port;
  other_port.headers.emplace("Cookie", "tessera-dashboard-8788=" + a);
  EXPECT_FALSE(auth.admit(other_port, response));
  EXPECT_TRUE(TokenAuth("", 1).admit(request, response));  // loopback: open
}

TEST(DashboardParts, AssetsAreCompiledIn) {
  EXPECT_NE(dashboard_asset("task_stream.js").find("function drawTaskStream("),
            std::string_view::npos);
  EXPECT_NE(dashboard_asset("status.html").find("id=\"task-stream\""), std::string_view::npos);
  EXPECT_TRUE(dashboard_asset("nope.js").empty());
  EXPECT_TRUE(dashboard_asset("").empty());
  const auto plots = individual_plots();
  EXPECT_EQ(plots["Individual Workers Memory"], "/individual-workers-memory");
  for (const auto& [name, path] : plots.items())
    EXPECT_FALSE(dashboard_asset(path.get<std::string>().substr(1) + ".html").empty()) << name;
}

TEST(DashboardParts, RecordsCountingSeveralTasksAndLateOnesKeepProgressExact) {
  EventLog log("c");
  diagnostics::RunRecord run;
  run.run = 1;
  run.cluster = "c";
  run.tasks = 10;
  run.groups = {{"even", 10}};
  log.run_submitted(run);
  diagnostics::TaskRecord batch = task(2);
  batch.count = 6;  // six tasks timed together
  log.task_finished(batch);
  run.time = 5;
  log.run_finished(run);
  std::vector<RunProgress> runs = log.runs();
  ASSERT_EQ(runs.size(), 1u);
  EXPECT_EQ(runs[0].done, 6u);
  EXPECT_EQ(runs[0].cancelled, 4u) << "as far as the log knows at the end";
  batch.count = 4;  // a thread's last window, published after the run finished
  log.task_finished(batch);
  runs = log.runs();
  EXPECT_EQ(runs[0].done, 10u);
  EXPECT_EQ(runs[0].cancelled, 0u);
  EXPECT_EQ(runs[0].groups[0].done, 10u);
  const TaskBatch records = log.tasks_since(0, 10);
  ASSERT_EQ(records.tasks.size(), 2u);
  EXPECT_EQ(records.tasks[0].count, 6);
  EXPECT_EQ(records.tasks[1].count, 4);
}

TEST(DashboardParts, GpuWorkersShowTheirDeviceChunksLimitAndMovesToHost) {
  WorkerInfo gpu{.backend = Backend::cuda, .device = 0, .name = "gpu-0", .memory_limit = 40u << 20};
  gpu.device_bytes = 32u << 20;
  gpu.device_spilled_total = 88u << 20;
  WorkerInfo cpu{.name = "cpu-0"};
  const nlohmann::json json = worker_json(gpu, 1);
  EXPECT_EQ(json["index"], 1);
  EXPECT_EQ(json["kind"], "gpu");
  EXPECT_EQ(json["memory_device"], 32u << 20);
  EXPECT_EQ(json["memory_device_spilled_total"], 88u << 20);
  EXPECT_EQ(json["memory_limit"], 40u << 20);
  EXPECT_EQ(worker_json(cpu, 0)["memory_device"], 0);
  EXPECT_EQ(worker_json(cpu, 0)["kind"], "cpu");
  const std::string text = metrics_text({cpu, gpu}, {});
  EXPECT_NE(text.find("tessera_worker_device_memory_bytes{kind=\"gpu\",worker=\"gpu-0\"} 33554432"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tessera_worker_device_spilled_bytes_total{kind=\"gpu\",worker=\"gpu-0\"} "
                      "92274688"),
            std::string::npos);
  EXPECT_EQ(text.find("tessera_worker_device_memory_bytes{kind=\"cpu\""), std::string::npos)
      << "CPU workers have no device";
}

TEST(DashboardParts,
     AWorkersMemoryIsItsResultsPlusItsStoredChunksAndItsDevicesMemoryWhatTheDriverSaid) {
  WorkerInfo gpu{.backend = Backend::cuda, .device = 0, .name = "gpu-0"};
  gpu.memory = 3000;  // task results
  gpu.stored = 500;   // persisted chunks in memory
  gpu.device_memory = 80u << 20;
  gpu.device_memory_used = 20u << 20;
  gpu.cpu_percent = 150;
  WorkerInfo freeing{.name = "cpu-0"};
  freeing.memory = -40;  // a count dipping below zero while a result is freed
  freeing.stored = 7;
  freeing.device_memory = 1;  // not a device worker: no device memory shown
  const nlohmann::json json = worker_json(gpu, 0);
  EXPECT_EQ(json["memory"], 3500u);
  EXPECT_EQ(json["memory_stored"], 500u);
  EXPECT_EQ(json["gpu_memory_used"], 20u << 20);
  EXPECT_EQ(json["gpu_memory_total"], 80u << 20);
  EXPECT_EQ(json["cpu_percent"], 150.0);
  EXPECT_EQ(worker_json(freeing, 1)["memory"], 7u);
  EXPECT_EQ(worker_json(freeing, 1)["gpu_memory_total"], 0u);
  const std::string text = metrics_text({freeing, gpu}, {});
  EXPECT_NE(text.find("tessera_worker_memory_bytes{kind=\"gpu\",worker=\"gpu-0\"} 3500"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tessera_worker_gpu_memory_total_bytes{kind=\"gpu\",worker=\"gpu-0\"} "
                      "83886080"),
            std::string::npos)
      << text;
}
