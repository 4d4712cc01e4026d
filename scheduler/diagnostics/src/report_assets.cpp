#include "report_assets.hpp"

namespace tessera::diagnostics {

std::string_view report_task_stream_script() {
  return report_asset("task_stream.js");
}

}  // namespace tessera::diagnostics
