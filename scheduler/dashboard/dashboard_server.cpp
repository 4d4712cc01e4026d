#include "dashboard_server.hpp"

#include <fmt/format.h>
#include <httplib.h>
#include <sys/socket.h>

#include <thread>

#include "bind_address.hpp"
#include "dashboard_link.hpp"
#include "dashboard_state.hpp"
#include "routes.hpp"
#include "tessera/diagnostics/bus.hpp"
#include "tessera/log.hpp"
#include "token_auth.hpp"

namespace tessera::dashboard {
namespace {

// Threads answering requests. A live stream holds one while open (at most max_streams), and so
// does each keep-alive connection a browser leaves idle, for up to the keep-alive timeout.
constexpr std::size_t server_threads = 24;
// cpp-httplib listens with a backlog of 5; many clients connecting at once need more.
constexpr int listen_backlog = 128;

void text(httplib::Response& response, int status, std::string_view body) {
  response.status = status;
  response.set_content(std::string(body), "text/plain; charset=utf-8");
}

}  // namespace

struct DashboardServer::Impl {
  DashboardState state;
  std::unique_ptr<TokenAuth> auth;
  std::unique_ptr<diagnostics::Subscription> subscription;
  httplib::Server server;
  std::thread listener;
  std::atomic<bool> listener_done{false};
  std::string link;
  int socket = -1;  // the listening socket, as httplib's socket-options hook last saw it
  bool stopped = false;

  void configure();
  void bind(const BindAddress& requested);
};

void DashboardServer::Impl::configure() {
  server.new_task_queue = [] { return new httplib::ThreadPool(server_threads); };
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let two dashboards
  // share a port silently instead of the second one moving to a free port.
  server.set_socket_options([this](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    socket = fd;
  });
  server.set_keep_alive_timeout(1);  // bounds how long close() waits for an idle browser
  server.set_payload_max_length(64 * 1024);
  server.set_default_headers({
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},  // the token must not leave in a Referer header
      {"Cache-Control", "no-store"},
      // Everything comes from this server: no CDN, no outside request. Frames are allowed
      // (JupyterLab embeds the individual pages).
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"},
  });

  server.set_pre_routing_handler(
      [this](const httplib::Request& request, httplib::Response& response) {
        if (auth->admit(request, response)) return httplib::Server::HandlerResponse::Unhandled;
        text(response, 403, "403 forbidden: this dashboard needs the token from its link\n");
        return httplib::Server::HandlerResponse::Handled;
      });
  server.Get(".*", [this](const httplib::Request& request, httplib::Response& response) {
    handle_get(state, request, response);
  });
  // Nothing here changes the cluster: every other method is refused.
  auto refuse = [](const httplib::Request&, httplib::Response& response) {
    response.set_header("Allow", "GET, HEAD");
    text(response, 405, "405 method not allowed: the dashboard is read-only\n");
  };
  server.Post(".*", refuse);
  server.Put(".*", refuse);
  server.Patch(".*", refuse);
  server.Delete(".*", refuse);
  server.Options(".*", refuse);
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&,
                                                                   httplib::Response& response) {
    if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    text(response, response.status,
         response.status == 404 ? "404 not found\n" : fmt::format("{} error\n", response.status));
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        text(response, 500, "500 internal error: " + what + "\n");
      });
}

void DashboardServer::Impl::bind(const BindAddress& requested) {
  int port = requested.port;
  bool bound = port == 0 ? (port = server.bind_to_any_port(requested.host)) > 0
                         : server.bind_to_port(requested.host, port);
  if (!bound && requested.port != 0) {  // taken (Dask: "Port 8787 is already in use")
    port = server.bind_to_any_port(requested.host);
    bound = port > 0;
    if (bound)
      log_warning(fmt::format("dashboard port {} on {} is in use; serving on port {} instead",
                              requested.port, requested.host, port));
  }
  if (!bound)
    throw std::runtime_error(
        fmt::format("cannot bind the dashboard to {}:{}", requested.host, requested.port));
  ::listen(socket, listen_backlog);  // listen() again on a listening socket resizes its queue
  state.facts.host = requested.host;
  state.facts.port = port;
}

DashboardServer::DashboardServer(ClusterView view, const std::string& address,
                                 const std::string& link_template)
    : impl_(std::make_unique<Impl>()) {
  Impl& impl = *impl_;
  const BindAddress requested = parse_bind_address(address);
  impl.state.view = std::move(view);
  impl.state.facts.address = address;
  impl.configure();
  impl.bind(requested);
  const bool token = !is_loopback(requested.host);
  impl.auth = std::make_unique<TokenAuth>(token ? make_token() : "", impl.state.facts.port);
  impl.state.facts.token_required = token;
  const std::string url_host = host_for_url(requested.host);
  impl.state.facts.link = expand_link(link_template, url_host, impl.state.facts.port, "");
  impl.link = expand_link(link_template, url_host, impl.state.facts.port, impl.auth->token());

  // Listen to the bus only while serving: with no dashboard the scheduler skips the records.
  impl.state.log = std::make_shared<EventLog>(impl.state.view.name);
  impl.subscription = std::make_unique<diagnostics::Subscription>(impl.state.log);
  impl.listener = std::thread([&impl] {
    impl.server.listen_after_bind();
    impl.listener_done = true;
  });
  // httplib's stop() does nothing before the listener runs: wait for it, so close() cannot miss.
  while (!impl.server.is_running() && !impl.listener_done)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

DashboardServer::~DashboardServer() {
  stop();
}

void DashboardServer::stop() {
  Impl& impl = *impl_;
  if (impl.stopped) return;
  impl.stopped = true;
  impl.state.stop();  // live streams end within one tick
  impl.subscription.reset();
  impl.server.stop();
  if (impl.listener.joinable()) impl.listener.join();
}

const std::string& DashboardServer::host() const {
  return impl_->state.facts.host;
}
int DashboardServer::port() const {
  return impl_->state.facts.port;
}
const std::string& DashboardServer::link() const {
  return impl_->link;
}
bool DashboardServer::token_required() const {
  return impl_->state.facts.token_required;
}

}  // namespace tessera::dashboard
