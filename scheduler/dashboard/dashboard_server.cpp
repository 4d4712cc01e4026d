#include "dashboard_server.hpp"

#include <fmt/format.h>

#include "answer_request.hpp"
#include "bind_address.hpp"
#include "dashboard_link.hpp"
#include "dashboard_state.hpp"
#include "http_module.hpp"
#include "tessera/detail/log.hpp"
#include "tessera/diagnostics/bus.hpp"
#include "token_auth.hpp"

namespace tessera::dashboard {
namespace {

std::vector<std::pair<std::string, std::string>> default_headers() {
  return {
      {"X-Content-Type-Options", "nosniff"},
      {"Referrer-Policy", "no-referrer"},  // the token must not leave in a Referer header
      {"Cache-Control", "no-store"},
      // Everything comes from this server: no CDN, no outside request. Frames are allowed
      // (JupyterLab embeds the individual pages).
      {"Content-Security-Policy",
       "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'"},
  };
}

}  // namespace

struct DashboardServer::Impl {
  DashboardState state;
  std::unique_ptr<TokenAuth> auth;
  std::unique_ptr<diagnostics::Subscription> subscription;
  std::unique_ptr<HttpServer> server;
  std::string link;
  bool stopped = false;

  void bind(const BindAddress& requested);
};

void DashboardServer::Impl::bind(const BindAddress& requested) {
  int port = server->bind(requested.host, requested.port);
  if (port < 0 && requested.port != 0) {  // taken (Dask: "Port 8787 is already in use")
    port = server->bind(requested.host, 0);
    if (port > 0)
      log_warning(fmt::format("dashboard port {} on {} is in use; serving on port {} instead",
                              requested.port, requested.host, port));
  }
  if (port <= 0)
    throw std::runtime_error(
        fmt::format("cannot bind the dashboard to {}:{}", requested.host, requested.port));
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
  impl.server = make_http_server({.handler =
                                      [&impl](const HttpRequest& request) {
                                        return answer_request(impl.state, *impl.auth, request);
                                      },
                                  .default_headers = default_headers()});
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
  impl.server->start();
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
  impl.server->stop();
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
