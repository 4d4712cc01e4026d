#include "tessera/diagnostics/trace.hpp"

#include "report_scope.hpp"
#include "trace_events.hpp"

namespace tessera::diagnostics {
namespace {

std::string render(const EventLogSnapshot& events) {
  return trace_events(events).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace

Trace::Trace(std::filesystem::path path)
    : scope_(std::make_unique<ReportScope>(std::move(path), "trace")) {}

Trace::~Trace() {
  scope_->close_quietly(render);
}

void Trace::close() {
  scope_->close(render);
}

}  // namespace tessera::diagnostics
