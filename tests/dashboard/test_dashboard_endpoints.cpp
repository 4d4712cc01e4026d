// Every dashboard endpoint against a live cluster: status codes, content types, JSON schemas,
// relative links only, 404s for bad URLs and 405s for anything but GET.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "dashboard_test_support.hpp"
#include "memory_totals.hpp"

using namespace tessera;
using namespace tessera::dashboard_test;
using nlohmann::json;

namespace {

class DashboardEndpoints : public ::testing::Test {
 protected:
  LocalCluster cluster{options_at()};
  Client connection{cluster};  // compute() runs here
  int port = port_of(cluster.dashboard_link());
  httplib::Client client = client_for(port);

  httplib::Result get(const std::string& path) { return client.Get(path.c_str()); }
  json get_json(const std::string& path) {
    auto r = get(path);
    EXPECT_TRUE(r) << path;
    if (!r) return {};
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), "application/json") << path;
    return json::parse(r->body);
  }
};

const char* const pages[] = {"/status",
                             "/workers",
                             "/graph",
                             "/info",
                             "/individual-task-stream",
                             "/individual-progress",
                             "/individual-workers-memory",
                             "/individual-nprocessing",
                             "/individual-graph",
                             "/individual-workers"};

int square(int x) {
  return x * x;
}

void expect_keys(const json& object,
                 std::initializer_list<std::pair<const char*, json::value_t>> keys,
                 const std::string& where) {
  ASSERT_TRUE(object.is_object()) << where;
  for (const auto& [key, type] : keys) {
    ASSERT_TRUE(object.contains(key)) << where << " lacks " << key;
    const json::value_t actual = object.at(key).type();
    // JSON numbers: unsigned and signed integers both count as integers.
    const bool number =
        type == json::value_t::number_integer &&
        (actual == json::value_t::number_unsigned || actual == json::value_t::number_integer);
    EXPECT_TRUE(actual == type || number)
        << where << "." << key << " is " << object.at(key).type_name();
  }
}

constexpr auto integer = json::value_t::number_integer;
constexpr auto floating = json::value_t::number_float;
constexpr auto string = json::value_t::string;
constexpr auto array = json::value_t::array;
constexpr auto object = json::value_t::object;
constexpr auto boolean = json::value_t::boolean;

void expect_worker_schema(const json& w) {
  expect_keys(w,
              {{"index", integer},
               {"name", string},
               {"kind", string},
               {"device", integer},
               {"device_name", string},
               {"threads", integer},
               {"memory", integer},
               {"memory_stored", integer},
               {"memory_spilled", integer},
               {"memory_limit", integer},
               {"memory_device", integer},
               {"memory_device_spilled_total", integer},
               {"gpu_memory_used", integer},
               {"gpu_memory_total", integer},
               {"cpu_seconds", floating},
               {"cpu_percent", floating},
               {"queued", integer},
               {"executing", integer},
               {"finished", integer},
               {"failed", integer},
               {"stolen", integer}},
              "worker");
  EXPECT_TRUE(w["kind"] == "cpu" || w["kind"] == "gpu");
}

}  // namespace

TEST_F(DashboardEndpoints, EveryPageAndAssetAnswers) {
  ASSERT_GT(port, 0) << cluster.dashboard_link();
  for (const char* page : pages) {
    auto r = get(page);
    ASSERT_TRUE(r) << page;
    EXPECT_EQ(r->status, 200) << page;
    EXPECT_EQ(r->get_header_value("Content-Type"), "text/html; charset=utf-8") << page;
    EXPECT_NE(r->body.find("<!DOCTYPE html>"), std::string::npos) << page;
  }
  const std::pair<const char*, const char*> assets[] = {
      {"/static/task_stream.js", "text/javascript; charset=utf-8"},
      {"/static/panels.js", "text/javascript; charset=utf-8"},
      {"/static/dashboard.js", "text/javascript; charset=utf-8"},
      {"/static/dashboard.css", "text/css; charset=utf-8"},
      {"/static/favicon.svg", "image/svg+xml"}};
  for (const auto& [path, type] : assets) {
    auto r = get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 200) << path;
    EXPECT_EQ(r->get_header_value("Content-Type"), type) << path;
    EXPECT_FALSE(r->body.empty()) << path;
  }
  auto health = get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->body, "ok");
  auto head = client.Head("/status");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
}

TEST_F(DashboardEndpoints, RootRedirectsRelativelyToStatus) {
  auto r = get("/");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 302);
  EXPECT_EQ(r->get_header_value("Location"), "status");  // relative: works under a proxy prefix
}

TEST_F(DashboardEndpoints, PagesUseOnlyRelativeLinksAndNoOutsideResources) {
  const std::regex absolute(R"((href|src|action)\s*=\s*["'](/|https?:|//))");
  const std::regex outside(R"((fetch|EventSource)\(\s*[`"'](/|https?:|//))");
  std::vector<std::string> files(std::begin(pages), std::end(pages));
  for (const char* asset : {"/static/task_stream.js", "/static/panels.js", "/static/dashboard.js",
                            "/static/dashboard.css"})
    files.emplace_back(asset);
  for (const std::string& path : files) {
    auto r = get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_FALSE(std::regex_search(r->body, absolute)) << path << " has an absolute link";
    EXPECT_FALSE(std::regex_search(r->body, outside)) << path << " requests an absolute URL";
    EXPECT_EQ(r->body.find("url("), std::string::npos) << path << " loads a CSS url()";
    EXPECT_EQ(r->body.find("@import"), std::string::npos) << path;
  }
  auto status = get("/status");
  ASSERT_TRUE(status);
  for (const char* id :
       {"id=\"task-stream\"", "id=\"workers-memory\"", "id=\"progress\"", "id=\"processing\""})
    EXPECT_NE(status->body.find(id), std::string::npos) << id;
  EXPECT_NE(status->get_header_value("Content-Security-Policy").find("default-src 'self'"),
            std::string::npos);
}

TEST_F(DashboardEndpoints, StatusJsonHasItsSchemaAndTheRun) {
  std::vector<Delayed<int>> tasks;
  for (int i = 0; i < 20; ++i) tasks.push_back(delayed(square, "dash_square")(i));
  ASSERT_EQ(compute(tasks).size(), 20u);

  // The run's end reaches the dashboard as compute() returns, and a worker publishes the last
  // tasks it timed together when it next idles: allow both a bounded moment.
  json status = get_json("/api/v1/status");
  for (int i = 0;
       i < 100 && !(status["runs"].size() && status["runs"].back()["state"] == "finished" &&
                    status["runs"].back()["done"] == 20);
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = get_json("/api/v1/status");
  }
  expect_keys(status,
              {{"cluster", string},
               {"time", floating},
               {"last_seq", integer},
               {"totals", object},
               {"workers", array},
               {"runs", array},
               {"progress", array}},
              "status");
  EXPECT_EQ(status["cluster"], cluster.name());
  EXPECT_GE(status["last_seq"].get<int>(), 1);  // records may each stand for several tasks
  expect_keys(status["totals"],
              {{"workers", integer},
               {"threads", integer},
               {"memory", integer},
               {"memory_limit", integer},
               {"executing", integer},
               {"queued", integer},
               {"finished", integer}},
              "totals");
  ASSERT_EQ(status["workers"].size(), 2u);
  for (const json& w : status["workers"]) expect_worker_schema(w);
  ASSERT_FALSE(status["runs"].empty());
  const json& run = status["runs"].back();
  expect_keys(run,
              {{"run", integer},
               {"state", string},
               {"tasks", integer},
               {"done", integer},
               {"failed", integer},
               {"cancelled", integer},
               {"submitted", floating},
               {"finished", floating},
               {"groups", array},
               {"edges", array}},
              "run");
  EXPECT_EQ(run["state"], "finished");
  EXPECT_EQ(run["tasks"], 20);
  EXPECT_EQ(run["done"], 20);
  bool found = false;
  for (const json& g : status["progress"]) {
    expect_keys(g, {{"name", string}, {"total", integer}, {"done", integer}, {"failed", integer}},
                "group");
    if (g["name"] == "dash_square") {
      found = true;
      EXPECT_EQ(g["total"], 20);
      EXPECT_EQ(g["done"], 20);
    }
  }
  EXPECT_TRUE(found) << status["progress"].dump();
}

TEST_F(DashboardEndpoints, StatusJsonCarriesTheEdgesBetweenTaskGroups) {
  auto load = delayed(square, "dash_load");
  auto a = load(2), b = load(3);
  auto sum = delayed([](int x, int y) { return x + y; }, "dash_add")(a, b);
  auto twice = delayed([](int x) { return 2 * x; }, "dash_twice")(sum);
  ASSERT_EQ(twice.compute(), 26);
  json status = get_json("/api/v1/status");
  for (int i = 0;
       i < 100 && !(status["runs"].size() && status["runs"].back()["state"] == "finished"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    status = get_json("/api/v1/status");
  }
  const json& run = status["runs"].back();
  std::map<std::string, int> index;
  for (std::size_t k = 0; k < run["groups"].size(); ++k) index[run["groups"][k]["name"]] = k;
  ASSERT_EQ(index.size(), 3u) << run.dump();
  std::set<std::pair<int, int>> edges;
  for (const json& e : run["edges"]) edges.insert({e[0].get<int>(), e[1].get<int>()});
  const std::set<std::pair<int, int>> expected = {{index["dash_load"], index["dash_add"]},
                                                  {index["dash_add"], index["dash_twice"]}};
  EXPECT_EQ(edges, expected) << run["edges"].dump();
}

TEST_F(DashboardEndpoints, WorkersAndInfoJsonHaveTheirSchemas) {
  const json workers = get_json("/api/v1/workers");
  ASSERT_TRUE(workers.is_array());
  ASSERT_EQ(workers.size(), 2u);
  for (const json& w : workers) expect_worker_schema(w);
  EXPECT_EQ(workers[0]["name"], "cpu-0");
  EXPECT_EQ(workers[0]["threads"], 1);

  const json info = get_json("/api/v1/info");
  expect_keys(info,
              {{"cluster", string},
               {"options", object},
               {"plan", object},
               {"dashboard", object},
               {"build", object}},
              "info");
  expect_keys(info["plan"],
              {{"cpu_workers", integer},
               {"gpu_workers", integer},
               {"total_threads", integer},
               {"total_memory", integer},
               {"system_memory", integer},
               {"workers", array}},
              "plan");
  expect_keys(info["dashboard"],
              {{"address", string},
               {"host", string},
               {"port", integer},
               {"token_required", boolean},
               {"link", string}},
              "dashboard");
  EXPECT_EQ(info["dashboard"]["port"], port);
  EXPECT_EQ(info["dashboard"]["token_required"], false);
  EXPECT_EQ(info["options"]["n_workers"], 2);
}

TEST_F(DashboardEndpoints, TasksEndpointReturnsTheComputationWithIncreasingSeq) {
  std::vector<Delayed<int>> tasks;
  // 200 tasks: enough records for the paging checks below even when each stands for up to 16.
  for (int i = 0; i < 200; ++i) tasks.push_back(delayed(square, "dash_tasks")(i));
  ASSERT_EQ(compute(tasks).size(), 200u);

  // Records may stand for several tasks ("count"), and a worker's last ones go out when it next
  // idles: read until all 200 are in (bounded).
  auto ours_in = [](const json& batch) {
    int n = 0;
    for (const json& t : batch["tasks"])
      if (t["group"] == "dash_tasks") n += t["count"].get<int>();
    return n;
  };
  json all = get_json("/api/v1/tasks?since=0");
  for (int i = 0; i < 100 && ours_in(all) < 200; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    all = get_json("/api/v1/tasks?since=0");
  }
  expect_keys(
      all, {{"first_seq", integer}, {"last_seq", integer}, {"skipped", integer}, {"tasks", array}},
      "tasks");
  const auto last = all["last_seq"].get<std::uint64_t>();
  ASSERT_GE(all["tasks"].size(), 200u / 16);  // at most 16 tasks a record
  std::uint64_t previous = 0;
  int ours = 0;
  for (const json& t : all["tasks"]) {
    expect_keys(t,
                {{"seq", integer},
                 {"key", string},
                 {"group", string},
                 {"run", integer},
                 {"worker", integer},
                 {"worker_name", string},
                 {"kind", string},
                 {"thread", integer},
                 {"start", floating},
                 {"stop", floating},
                 {"failed", boolean},
                 {"count", integer}},
                "task");
    const auto seq = t["seq"].get<std::uint64_t>();
    EXPECT_GT(seq, previous);
    previous = seq;
    EXPECT_LE(t["start"].get<double>(), t["stop"].get<double>());
    EXPECT_GE(t["count"].get<int>(), 1);
    if (t["group"] == "dash_tasks") {
      ours += t["count"].get<int>();
      EXPECT_EQ(t["key"].get<std::string>().rfind("dash_tasks-", 0), 0u);
      EXPECT_FALSE(t["failed"].get<bool>());
      EXPECT_TRUE(t["worker_name"] == "cpu-0" || t["worker_name"] == "cpu-1");
    }
  }
  EXPECT_EQ(ours, 200);
  EXPECT_EQ(previous, last);

  const json tail = get_json("/api/v1/tasks?since=" + std::to_string(last - 10));
  ASSERT_EQ(tail["tasks"].size(), 10u);
  EXPECT_EQ(tail["tasks"][0]["seq"], last - 9);
  EXPECT_TRUE(get_json("/api/v1/tasks?since=" + std::to_string(last))["tasks"].empty());

  const json limited = get_json("/api/v1/tasks?since=0&limit=5");
  ASSERT_EQ(limited["tasks"].size(), 5u);
  EXPECT_EQ(limited["tasks"][0]["seq"], all["first_seq"]);
  EXPECT_EQ(limited["skipped"], all["tasks"].size() - 5);
  const json newest = get_json("/api/v1/tasks?since=0&limit=5&newest=1");
  ASSERT_EQ(newest["tasks"].size(), 5u);
  EXPECT_EQ(newest["tasks"][4]["seq"], last);

  for (const char* bad :
       {"/api/v1/tasks?since=abc", "/api/v1/tasks?limit=-1", "/api/v1/tasks?newest=2"}) {
    auto r = get(bad);
    ASSERT_TRUE(r) << bad;
    EXPECT_EQ(r->status, 400) << bad;
  }
}

TEST_F(DashboardEndpoints, IndividualPlotsListsPanelsTheWayDaskLabextensionReads) {
  const json plots = get_json("/individual-plots.json");
  ASSERT_TRUE(plots.is_object());
  for (const char* name :
       {"Individual Task Stream", "Individual Progress", "Individual Workers Memory"})
    EXPECT_TRUE(plots.contains(name)) << plots.dump();
  EXPECT_EQ(plots["Individual Task Stream"], "/individual-task-stream");
  for (const auto& [name, path] : plots.items()) {
    auto r = get(path.get<std::string>());
    ASSERT_TRUE(r) << name;
    EXPECT_EQ(r->status, 200) << name;
  }
}

TEST_F(DashboardEndpoints, BadUrlsGet404AndTheServerStaysUp) {
  const std::string long_path = "/" + std::string(4000, 'a');
  for (const std::string& path :
       {std::string("/nope"), std::string("/status/extra"), std::string("/static/"),
        std::string("/static/../status.html"), std::string("/static/%2e%2e%2fstatus.html"),
        std::string("/static/.hidden"), std::string("/api/v1/"), std::string("/api/v2/status"),
        std::string("/api/v1/status/../../status"), std::string("/.."), std::string("/%00"),
        std::string("/status%00.html"), std::string("/individual-"), long_path}) {
    auto r = get(path);
    ASSERT_TRUE(r) << path.substr(0, 80);
    EXPECT_EQ(r->status, 404) << path.substr(0, 80);
  }
  // Beyond the server's request-line limit: refused (414), not a crash.
  auto huge = get("/" + std::string(20000, 'b'));
  if (huge) {
    EXPECT_TRUE(huge->status == 404 || huge->status == 414) << huge->status;
  }
  auto health = get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
}

TEST_F(DashboardEndpoints, MethodsThatCouldChangeAnythingGet405) {
  for (const char* path : {"/status", "/api/v1/status", "/api/v1/tasks", "/metrics", "/nope"}) {
    std::vector<std::pair<const char*, httplib::Result>> results;
    results.emplace_back("POST", client.Post(path, "x", "text/plain"));
    results.emplace_back("PUT", client.Put(path, "x", "text/plain"));
    results.emplace_back("PATCH", client.Patch(path, "x", "text/plain"));
    results.emplace_back("DELETE", client.Delete(path));
    results.emplace_back("OPTIONS", client.Options(path));
    for (auto& [method, r] : results) {
      ASSERT_TRUE(r) << method << " " << path;
      EXPECT_EQ(r->status, 405) << method << " " << path;
      EXPECT_EQ(r->get_header_value("Allow"), "GET, HEAD") << method << " " << path;
    }
  }
}

TEST_F(DashboardEndpoints, MetricsTextParses) {
  std::vector<Delayed<int>> tasks;
  for (int i = 0; i < 10; ++i) tasks.push_back(delayed(square, "dash_metrics")(i));
  compute(tasks);
  // A worker counts a task as processed just after the task's result is in, so compute() may
  // return a moment before the last count: read again, for a bounded time, until all ten show.
  auto processed_in = [](const std::string& text) {
    double sum = 0;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line))
      if (line.rfind("tessera_worker_tasks_processed_total{", 0) == 0)
        sum += std::stod(line.substr(line.rfind(' ') + 1));
    return sum;
  };
  auto r = get("/metrics");
  for (int i = 0; i < 100 && r && processed_in(r->body) < 10; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    r = get("/metrics");
  }
  ASSERT_TRUE(r);
  ASSERT_EQ(r->status, 200);
  EXPECT_EQ(r->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);

  const std::regex sample(R"(^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})? (\S+)$)");
  const std::regex comment(R"(^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.+)$)");
  std::set<std::string> help, type, samples;
  std::istringstream lines(r->body);
  std::string line;
  double processed = 0;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    std::smatch m;
    if (line[0] == '#') {
      ASSERT_TRUE(std::regex_match(line, m, comment)) << line;
      (m[1] == "HELP" ? help : type).insert(m[2]);
      continue;
    }
    ASSERT_TRUE(std::regex_match(line, m, sample)) << line;
    const std::string name = m[1];
    EXPECT_EQ(name.rfind("tessera_", 0), 0u) << line;
    std::size_t used = 0;
    const double value = std::stod(m[3], &used);
    EXPECT_EQ(used, m[3].length()) << line;
    samples.insert(name);
    if (name == "tessera_worker_tasks_processed_total") processed += value;
  }
  for (const std::string& name : samples) {
    EXPECT_TRUE(help.count(name)) << "no HELP for " << name;
    EXPECT_TRUE(type.count(name)) << "no TYPE for " << name;
  }
  for (const char* name :
       {"tessera_scheduler_tasks", "tessera_scheduler_tasks_completed_total", "tessera_workers",
        "tessera_worker_memory_bytes", "tessera_worker_memory_limit_bytes",
        "tessera_transfer_bytes_total", "tessera_spilled_bytes_total",
        "tessera_worker_memory_spilled_bytes", "tessera_worker_memory_stored_bytes",
        "tessera_worker_tasks_processed_total", "tessera_worker_cpu_seconds_total",
        "tessera_worker_tasks_executing"})
    EXPECT_TRUE(samples.count(name)) << name << " missing:\n" << r->body;
  EXPECT_GE(processed, 10);
}

// Issue: "the dashboard and /metrics show used, limit and spilled bytes per worker".
TEST(DashboardSpilling, WorkersAndMetricsShowStoredAndSpilledBytesPerWorker) {
  ClusterOptions options = dashboard_test::options_at();
  options.memory_limit = "4MiB";
  options.memory_spill = 0;  // only the managed budget spills: the split below is exact
  LocalCluster cluster(options);
  Client user(cluster);
  Array p = random::random({1024, 1024}, {128, 1024}, 8).persist();  // 8 MiB, 1 MiB chunks
  // What the workers report through the executor, against which the server's answers are read.
  const test_support::MemoryTotals memory = test_support::memory_totals(*cluster.executor());
  ASSERT_GT(memory.spilled, 0u);
  auto http = dashboard_test::client_for(dashboard_test::port_of(cluster.dashboard_link()));

  auto workers = http.Get("/api/v1/workers");
  ASSERT_TRUE(workers);
  ASSERT_EQ(workers->status, 200);
  const json body = json::parse(workers->body);
  std::uint64_t stored = 0, spilled = 0;
  for (const json& w : body) {
    stored += w["memory_stored"].get<std::uint64_t>();
    spilled += w["memory_spilled"].get<std::uint64_t>();
    EXPECT_GE(w["memory"].get<std::uint64_t>(), w["memory_stored"].get<std::uint64_t>());
  }
  EXPECT_EQ(stored, memory.stored);
  EXPECT_EQ(spilled, memory.spilled);
  EXPECT_EQ(stored + spilled, 8u << 20);

  auto metrics = http.Get("/metrics");
  ASSERT_TRUE(metrics);
  double spilled_metric = 0, spilled_total = -1;
  std::istringstream lines(metrics->body);
  std::string line;
  while (std::getline(lines, line)) {
    const double value =
        line.empty() || line[0] == '#' ? 0 : std::stod(line.substr(line.rfind(' ') + 1));
    if (line.rfind("tessera_worker_memory_spilled_bytes{", 0) == 0) spilled_metric += value;
    if (line.rfind("tessera_spilled_bytes_total ", 0) == 0) spilled_total = value;
  }
  EXPECT_EQ(spilled_metric, static_cast<double>(memory.spilled));
  EXPECT_EQ(spilled_total, static_cast<double>(memory.spilled_total));
}
