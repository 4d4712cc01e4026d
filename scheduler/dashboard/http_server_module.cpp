// The dashboard's HTTP transport on cpp-httplib, built as a module (see http_module.hpp): a
// listening HttplibTransport on its own threads.
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "http_module.hpp"
#include "httplib_transport.hpp"

namespace tessera::dashboard {
namespace {

// cpp-httplib listens with a backlog of 5; many clients connecting at once need more.
constexpr int kListenBacklog = 128;

class HttplibServer final : public HttpServer {
 public:
  explicit HttplibServer(HttpServerConfig config) : server_(std::move(config)) {
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let two dashboards
    // share a port silently instead of the second one moving to a free port.
    server_.set_socket_options([this](int fd) {
      int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      socket_ = fd;
    });
  }

  ~HttplibServer() override { stop(); }

  int bind(const std::string& host, int port) override {
    const int bound =
        port == 0 ? server_.bind_to_any_port(host) : (server_.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) return -1;
    ::listen(socket_, kListenBacklog);  // listen() again on a listening socket resizes its queue
    return bound;
  }

  void start() override {
    listener_ = std::thread([this] {
      server_.listen_after_bind();
      listener_done_ = true;
    });
    // httplib's stop() does nothing before the listener runs: wait, so stop() cannot miss it.
    while (!server_.is_running() && !listener_done_)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  void stop() override {
    if (stopped_.exchange(true)) return;
    server_.stop();
    if (listener_.joinable()) listener_.join();
  }

 private:
  HttplibTransport server_;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  std::atomic<bool> stopped_{false};
  int socket_ = -1;  // the listening socket, as the socket-options hook last saw it
};

}  // namespace
}  // namespace tessera::dashboard

extern "C" __attribute__((visibility("default"))) tessera::dashboard::HttpServer*
tessera_dashboard_make_http_server(int abi, tessera::dashboard::HttpServerConfig config) {
  if (abi != tessera::dashboard::kHttpModuleAbi) return nullptr;
  return new tessera::dashboard::HttplibServer(std::move(config));
}
