#include "report_assets.hpp"

#include "dashboard_assets.hpp"

namespace tessera::diagnostics {

std::string_view report_task_stream_script() {
  return dashboard::dashboard_asset("task_stream.js");
}

}  // namespace tessera::diagnostics
