#include "answer_request.hpp"

#include <fmt/format.h>

#include "bind_address.hpp"
#include "routes.hpp"

namespace tessera::dashboard {
namespace {

HttpResponse text(int status, std::string_view body) {
  HttpResponse response;
  response.status = status;
  response.set_content(std::string(body), "text/plain; charset=utf-8");
  return response;
}

}  // namespace

HttpResponse answer_request(DashboardState& state, const TokenAuth& auth,
                            const HttpRequest& request) {
  try {
    // Without a token, the loopback address is the only protection: refuse requests a browser
    // addressed to another name (a missing Host header is no browser's).
    if (!auth.required() && request.has_header("Host") &&
        !is_loopback_host_header(request.header("Host"), state.facts.host))
      return text(403, fmt::format("403 forbidden: this dashboard answers requests to localhost, "
                                   "127.0.0.1, [::1] or {} only (the Host header names another "
                                   "host: DNS rebinding protection)\n",
                                   host_for_url(state.facts.host)));
    HttpResponse response;
    if (!auth.admit(request, response))
      return text(403, "403 forbidden: this dashboard needs the token from its link\n");
    // Nothing here changes the cluster: every method but GET (and HEAD) is refused.
    if (request.method != "GET" && request.method != "HEAD") {
      response = text(405, "405 method not allowed: the dashboard is read-only\n");
      response.set_header("Allow", "GET, HEAD");
      return response;
    }
    handle_get(state, request, response);
    return response;
  } catch (const std::exception& e) {
    return text(500, fmt::format("500 internal error: {}\n", e.what()));
  }
}

}  // namespace tessera::dashboard
