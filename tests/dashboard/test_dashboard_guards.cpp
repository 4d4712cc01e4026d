// The dashboard against hostile clients: requests addressed to another host (DNS rebinding) and
// connections that hold server threads with requests they never finish (slowloris).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "dashboard_test_support.hpp"
#include "http_module.hpp"

using namespace tessera;
using namespace tessera::dashboard_test;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

// A TCP connection to 127.0.0.1:`port` from the loopback address `from` (127.0.0.2 is another
// client to the server, on the same machine), closed on destruction.
struct RawConnection {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);

  RawConnection(int port, const char* from = "127.0.0.1") {
    sockaddr_in local{.sin_family = AF_INET};
    inet_pton(AF_INET, from, &local.sin_addr);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local), 0);
    sockaddr_in server{.sin_family = AF_INET, .sin_port = htons(static_cast<std::uint16_t>(port))};
    inet_pton(AF_INET, "127.0.0.1", &server.sin_addr);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server), 0);
  }
  ~RawConnection() { ::close(fd); }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool send(const std::string& bytes) const {
    return ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL) ==
           static_cast<ssize_t>(bytes.size());
  }
  /// Everything the server sends until it closes the connection or `timeout` passes; `closed`
  /// says which.
  std::string receive(std::chrono::milliseconds timeout, bool* closed = nullptr) const {
    std::string out;
    const auto until = Clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
      pollfd entry{.fd = fd, .events = POLLIN, .revents = 0};
      if (left.count() <= 0 || ::poll(&entry, 1, static_cast<int>(left.count())) <= 0) break;
      char buffer[4096];
      const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
      if (n <= 0) {
        if (closed) *closed = true;
        return out;
      }
      out.append(buffer, static_cast<std::size_t>(n));
    }
    if (closed) *closed = false;
    return out;
  }
};

const dashboard::HttpServerConfig defaults;

}  // namespace

TEST(DashboardGuards, LoopbackDashboardRefusesRequestsAddressedToOtherHosts) {
  LocalCluster cluster(options_at());
  const int port = port_of(cluster.dashboard_link());
  httplib::Client client = client_for(port);
  const auto rebound =
      client.Get("/api/v1/status", {{"Host", "evil.example:" + std::to_string(port)}});
  ASSERT_TRUE(rebound);
  EXPECT_EQ(rebound->status, 403);
  EXPECT_NE(rebound->body.find("DNS rebinding"), std::string::npos) << rebound->body;
  EXPECT_NE(rebound->body.find("localhost, 127.0.0.1, [::1]"), std::string::npos) << rebound->body;
  for (const std::string& host : {"localhost:" + std::to_string(port), std::string("127.0.0.1"),
                                  std::string("[::1]:") + std::to_string(port)}) {
    const auto ok = client.Get("/health", {{"Host", host}});
    ASSERT_TRUE(ok) << host;
    EXPECT_EQ(ok->status, 200) << host;
  }
}

TEST(DashboardGuards, TokenDashboardAnswersAnyHostNameWithTheToken) {
  // Bound to every interface, it is reached by names this machine cannot list; the token guards.
  LocalCluster cluster(options_at("0.0.0.0:0"));
  const int port = port_of(cluster.dashboard_link());
  httplib::Client client = client_for(port);
  const auto named = client.Get("/health?token=" + token_of(cluster.dashboard_link()),
                                {{"Host", "node17.cluster.example:" + std::to_string(port)}});
  ASSERT_TRUE(named);
  EXPECT_EQ(named->status, 200);
}

TEST(DashboardGuards, IdlePartialRequestsFromOneClientLeaveThreadsForOthers) {
  LocalCluster cluster(options_at());
  const int port = port_of(cluster.dashboard_link());
  // As many unfinished requests as the server has threads, and more, all from 127.0.0.1.
  std::vector<std::unique_ptr<RawConnection>> idle;
  for (std::size_t i = 0; i < defaults.threads + 8; ++i) {
    idle.push_back(std::make_unique<RawConnection>(port));
    ASSERT_TRUE(idle.back()->send("GET /health HTTP/1.1\r\nHost: localhost\r\nX-Slow: "));
  }
  std::this_thread::sleep_for(200ms);  // the server has taken them all up
  // Another client is answered at once: its time is far below the request timeout (which would
  // free the threads anyway, only later), not the seconds a full pool made it wait.
  const auto start = Clock::now();
  RawConnection other(port, "127.0.0.2");
  ASSERT_TRUE(other.send("GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"));
  bool closed = false;
  const std::string answer = other.receive(10s, &closed);
  const auto waited = Clock::now() - start;
  EXPECT_EQ(answer.substr(0, 12), "HTTP/1.1 200") << answer;
  EXPECT_LT(waited, std::chrono::seconds(defaults.request_timeout_seconds) / 3)
      << std::chrono::duration<double>(waited).count() << " s";
  // The connections beyond the client's limit were refused with a reason, not queued.
  std::size_t refused = 0;
  for (const auto& connection : idle)
    if (connection->receive(10ms).find("503 Service Unavailable") != std::string::npos) ++refused;
  EXPECT_EQ(refused, idle.size() - defaults.max_connections_per_client);
}

TEST(DashboardGuards, RequestTricklingItsHeadersIsCutOffAtTheRequestTimeout) {
  LocalCluster cluster(options_at());
  const int port = port_of(cluster.dashboard_link());
  RawConnection slow(port);
  ASSERT_TRUE(slow.send("GET /health HTTP/1.1\r\nHost: localhost\r\n"));
  // One header byte every 250 ms: each read is quick, the request never ends.
  const auto start = Clock::now();
  const auto bound = std::chrono::seconds(defaults.request_timeout_seconds) + 2s;
  bool closed = false;
  while (!closed && Clock::now() - start < bound) {
    slow.send("X");
    slow.receive(250ms, &closed);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  EXPECT_TRUE(closed) << "still open after " << seconds << " s";
  EXPECT_GE(seconds, defaults.request_timeout_seconds - 0.5);
}
