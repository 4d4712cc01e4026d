// The dashboard as a server: live events, many clients at once, tokens on non-loopback binds,
// port fallback, "" for off, and the port freed on close. Loopback traffic only.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <latch>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <thread>

#include "dashboard_test_support.hpp"
#include "tessera/diagnostics/bus.hpp"

using namespace tessera;
using namespace tessera::dashboard_test;
using namespace std::chrono_literals;

namespace {

int slow_square(int x) {
  std::this_thread::sleep_for(2ms);
  return x * x;
}

// A listening loopback socket on a free port, closed on destruction.
struct OccupiedPort {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int port = 0;
  OccupiedPort() {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(fd, 4), 0);
    socklen_t length = sizeof address;
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
  }
  ~OccupiedPort() { close(fd); }
};

}  // namespace

TEST(DashboardLive, EventStreamDeliversTaskEventsDuringAComputation) {
  LocalCluster cluster(options_at());
  Client connection(cluster);
  const int port = port_of(cluster.dashboard_link());
  std::atomic<bool> connected{false}, saw_tasks{false}, saw_status{false};
  std::string buffer;
  std::thread reader([&] {
    httplib::Client client = client_for(port);
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    client.Get("/api/v1/stream?since=0", [&](const char* data, std::size_t size) {
      connected = true;
      buffer.append(data, size);
      // Events end with a blank line; look at each complete one.
      for (auto end = buffer.find("\n\n"); end != std::string::npos; end = buffer.find("\n\n")) {
        const std::string event = buffer.substr(0, end);
        buffer.erase(0, end + 2);
        if (event.find("event: status") != std::string::npos) saw_status = true;
        if (event.find("event: tasks") == std::string::npos) continue;
        const auto data_at = event.find("data: ");
        const auto json = nlohmann::json::parse(event.substr(data_at + 6));
        for (const auto& task : json["tasks"])
          if (task["group"] == "dash_live") saw_tasks = true;
      }
      return !saw_tasks && std::chrono::steady_clock::now() < deadline;
    });
  });
  for (int i = 0; i < 500 && !connected; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(connected);
  std::vector<Delayed<int>> tasks;
  for (int i = 0; i < 200; ++i) tasks.push_back(delayed(slow_square, "dash_live")(i));
  compute(tasks);
  reader.join();
  EXPECT_TRUE(saw_tasks);
  EXPECT_TRUE(saw_status);
}

TEST(DashboardLive, TwoHundredConcurrentClientsAllGet200) {
  LocalCluster cluster(options_at());
  const int port = port_of(cluster.dashboard_link());
  constexpr int clients = 200;
  std::atomic<int> ok{0};
  std::latch ready(clients);
  std::vector<std::thread> threads;
  const auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < clients; ++i)
    threads.emplace_back([&, i] {
      httplib::Client client = client_for(port);
      ready.arrive_and_wait();  // all at once
      auto r = client.Get(i % 2 ? "/api/v1/status" : "/status");
      if (r && r->status == 200) ++ok;
    });
  for (auto& t : threads) t.join();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(ok.load(), clients);
  EXPECT_LT(seconds, 60.0);
}

TEST(DashboardLive, NonLoopbackBindRequiresTheToken) {
  LocalCluster cluster(options_at("0.0.0.0:0"));
  const std::string link = cluster.dashboard_link();
  const int port = port_of(link);
  const std::string token = token_of(link);
  ASSERT_GT(port, 0) << link;
  ASSERT_EQ(token.size(), 48u) << link;
  httplib::Client client = client_for(port);  // 127.0.0.1: the traffic stays on this machine

  for (const char* path :
       {"/status", "/api/v1/status", "/health", "/metrics", "/static/dashboard.js"}) {
    auto r = client.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(r->status, 403) << path;
  }
  auto wrong = client.Get("/api/v1/status?token=" + std::string(48, '0'));
  ASSERT_TRUE(wrong);
  EXPECT_EQ(wrong->status, 403);
  auto bad_header = client.Get("/api/v1/status", {{"Authorization", "token nope"}});
  ASSERT_TRUE(bad_header);
  EXPECT_EQ(bad_header->status, 403);

  auto by_query = client.Get("/status?token=" + token);
  ASSERT_TRUE(by_query);
  EXPECT_EQ(by_query->status, 200);
  const std::string cookie = by_query->get_header_value("Set-Cookie");
  ASSERT_FALSE(cookie.empty());
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);

  auto by_header = client.Get("/api/v1/status", {{"Authorization", "token " + token}});
  ASSERT_TRUE(by_header);
  EXPECT_EQ(by_header->status, 200);

  // What a browser sends next, for the page's relative script and data requests.
  auto by_cookie =
      client.Get("/static/dashboard.js", {{"Cookie", cookie.substr(0, cookie.find(';'))}});
  ASSERT_TRUE(by_cookie);
  EXPECT_EQ(by_cookie->status, 200);

  auto post = client.Post("/api/v1/status?token=" + token, "x", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);

  auto info = client.Get("/api/v1/info", {{"Authorization", "token " + token}});
  ASSERT_TRUE(info);
  EXPECT_EQ(info->body.find(token), std::string::npos) << "the token leaks through /api/v1/info";
}

TEST(DashboardLive, LoopbackBindNeedsNoToken) {
  LocalCluster cluster(options_at());
  EXPECT_EQ(cluster.dashboard_link().find("token"), std::string::npos);
  auto r = client_for(port_of(cluster.dashboard_link())).Get("/api/v1/status");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(DashboardLive, TakenPortFallsBackToAFreeOneAndSaysSo) {
  unsetenv("TESSERA_LOG");
  OccupiedPort occupied;
  ASSERT_GT(occupied.port, 0);
  testing::internal::CaptureStderr();
  LocalCluster cluster(options_at("127.0.0.1:" + std::to_string(occupied.port)));
  const std::string warning = testing::internal::GetCapturedStderr();
  const int port = port_of(cluster.dashboard_link());
  EXPECT_GT(port, 0);
  EXPECT_NE(port, occupied.port);
  EXPECT_NE(warning.find("tessera: warning: dashboard port " + std::to_string(occupied.port)),
            std::string::npos)
      << warning;
  EXPECT_NE(warning.find(std::to_string(port)), std::string::npos) << warning;
  std::ostringstream printed;
  printed << cluster;
  EXPECT_NE(printed.str().find(cluster.dashboard_link()), std::string::npos) << printed.str();
  EXPECT_EQ(printed.str().find("served from"), std::string::npos) << printed.str();
  auto r = client_for(port).Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
}

TEST(DashboardLive, QuietLogSilencesTheWarning) {
  setenv("TESSERA_LOG", "quiet", 1);
  OccupiedPort occupied;
  testing::internal::CaptureStderr();
  LocalCluster cluster(options_at("127.0.0.1:" + std::to_string(occupied.port)));
  const std::string warning = testing::internal::GetCapturedStderr();
  unsetenv("TESSERA_LOG");
  EXPECT_EQ(warning, "");
  EXPECT_NE(port_of(cluster.dashboard_link()), occupied.port);
}

TEST(DashboardLive, EmptyAddressServesNothingAndSubscribesNothing) {
  LocalCluster cluster(options_at(""));
  EXPECT_EQ(cluster.dashboard_link(), "");
  EXPECT_FALSE(diagnostics::Bus::instance().active());  // the scheduler skips its records
  std::ostringstream printed;
  printed << cluster;
  EXPECT_NE(printed.str().find("off"), std::string::npos);
  {
    LocalCluster served(options_at());
    EXPECT_TRUE(diagnostics::Bus::instance().active());
  }
  EXPECT_FALSE(diagnostics::Bus::instance().active());  // unsubscribed on close
}

TEST(DashboardLive, ClosingTheClusterFreesThePort) {
  int port = 0;
  {
    LocalCluster cluster(options_at());
    port = port_of(cluster.dashboard_link());
    httplib::Client client = client_for(port);
    auto r = client.Get("/health");
    ASSERT_TRUE(r);
    cluster.close();
    EXPECT_EQ(cluster.status(), "closed");
    httplib::Client after = client_for(port);
    after.set_connection_timeout(1);
    EXPECT_FALSE(after.Get("/health")) << "still served after close()";
  }
  // The same address can be bound again at once, without falling back.
  testing::internal::CaptureStderr();
  LocalCluster again(options_at("127.0.0.1:" + std::to_string(port)));
  const std::string warning = testing::internal::GetCapturedStderr();
  EXPECT_EQ(port_of(again.dashboard_link()), port) << warning;
  EXPECT_EQ(warning.find("in use"), std::string::npos) << warning;
}

TEST(DashboardLive, CloseIsPromptWithAnOpenEventStream) {
  LocalCluster cluster(options_at());
  const int port = port_of(cluster.dashboard_link());
  std::atomic<bool> connected{false};
  std::thread reader([&] {
    httplib::Client client = client_for(port);
    client.Get("/api/v1/stream", [&](const char*, std::size_t) {
      connected = true;
      return true;  // keeps reading until the server ends the stream
    });
  });
  for (int i = 0; i < 500 && !connected; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_TRUE(connected);
  const auto start = std::chrono::steady_clock::now();
  cluster.close();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  reader.join();
  EXPECT_LT(seconds, 5.0);
}

TEST(DashboardLive, LinkFollowsTheTemplateWithEnvironmentVariables) {
  setenv("JUPYTERHUB_SERVICE_PREFIX", "/user/ada/", 1);
  ClusterOptions options = options_at();
  options.dashboard_link = "{JUPYTERHUB_SERVICE_PREFIX}proxy/{port}/status";
  LocalCluster cluster(options);
  const std::string link = cluster.dashboard_link();
  ASSERT_EQ(link.rfind("/user/ada/proxy/", 0), 0u) << link;
  const int port = std::stoi(link.substr(16));
  EXPECT_EQ(link, "/user/ada/proxy/" + std::to_string(port) + "/status");
  auto r = client_for(port).Get("/health");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);

  setenv("TESSERA_DASHBOARD_LINK", "https://{host}/node/{port}/status", 1);
  LocalCluster from_env(options_at());
  unsetenv("TESSERA_DASHBOARD_LINK");
  unsetenv("JUPYTERHUB_SERVICE_PREFIX");
  std::smatch match;
  const std::string env_link = from_env.dashboard_link();
  ASSERT_TRUE(
      std::regex_match(env_link, match, std::regex(R"(https://127\.0\.0\.1/node/(\d+)/status)")))
      << env_link;
  auto served = client_for(std::stoi(match[1])).Get("/health");
  ASSERT_TRUE(served);
  EXPECT_EQ(served->status, 200);
}
