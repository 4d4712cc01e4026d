#pragma once
// The performance report page: one HTML file with inline style, script and data.

#include <string>

#include "report_event_log.hpp"

namespace tessera::diagnostics {

/// The whole page for what a scope saw.
std::string render_report_html(const EventLogSnapshot& events);

/// Text made safe for HTML element content and attribute values.
std::string html_escape(std::string_view text);

}  // namespace tessera::diagnostics
