#pragma once
// api/v1/stream: Server-Sent Events for live pages. Every quarter second the stream sends the
// task records that arrived since the last batch ("tasks", at most a thousand, the newest), and
// twice a second while work runs (every two seconds when idle) the status document ("status").

#include "dashboard_state.hpp"
#include "http_types.hpp"

namespace tessera::dashboard {

/// Most live streams served at once; each holds a server thread while open.
inline constexpr int kMaxStreams = 8;

/// Starts an event stream on `response`, from sequence number ?since= or Last-Event-ID.
void serve_event_stream(DashboardState& state, const HttpRequest& request, HttpResponse& response);

}  // namespace tessera::dashboard
