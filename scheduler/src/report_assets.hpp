#pragma once
// The scripts a performance report inlines (the dashboard's own, so both draw alike).

#include <string_view>

namespace tessera::diagnostics {

/// task_stream.js: defines drawTaskStream(container, records, options).
std::string_view report_task_stream_script();

}  // namespace tessera::diagnostics
