#pragma once
// What every request to a dashboard gets, decided in order: the Host check (loopback dashboards),
// the token (the others), the method (read-only), then the routes.

#include "dashboard_state.hpp"
#include "http_types.hpp"
#include "token_auth.hpp"

namespace tessera::dashboard {

/// 403 for a Host header a loopback dashboard (one without a token) does not answer, 403 without
/// the token where one is required, 405 for anything but GET and HEAD, else the route's answer.
/// Errors become 500: it never throws.
HttpResponse answer_request(DashboardState& state, const TokenAuth& auth,
                            const HttpRequest& request);

}  // namespace tessera::dashboard
