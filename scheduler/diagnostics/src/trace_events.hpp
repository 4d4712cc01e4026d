#pragma once
// Bus events as Chrome's Trace Event Format (what Perfetto and chrome://tracing read).

#include <nlohmann/json.hpp>

#include "report_event_log.hpp"

namespace tessera::diagnostics {

/// {"traceEvents": [...]} with times in microseconds from the first event or the scope's start.
nlohmann::json trace_events(const EventLogSnapshot& events);

}  // namespace tessera::diagnostics
