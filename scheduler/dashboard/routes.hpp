#pragma once
// The dashboard's GET routes: pages and their assets, JSON under api/v1/, the event stream,
// /health, /metrics and /individual-plots.json. Anything else is 404.

#include "dashboard_state.hpp"
#include "http_types.hpp"

namespace tessera::dashboard {

/// Answers one GET (or HEAD) request.
void handle_get(DashboardState& state, const HttpRequest& request, HttpResponse& response);

/// The standalone panel pages, as dask-labextension lists them: {"Individual Task Stream":
/// "/individual-task-stream", ...}.
nlohmann::json individual_plots();

}  // namespace tessera::dashboard
