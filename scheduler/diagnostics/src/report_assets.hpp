#pragma once
// The scripts a performance report inlines (the dashboard's own, so both draw alike), compiled
// into the library by tessera_embed_files (scheduler/diagnostics/CMakeLists.txt).

#include <string_view>

namespace tessera::diagnostics {

/// The bytes of embedded file `name`; empty if there is none (generated).
std::string_view report_asset(std::string_view name);

/// task_stream.js: defines drawTaskStream(container, records, options).
std::string_view report_task_stream_script();

}  // namespace tessera::diagnostics
