#include "tessera/diagnostics/performance_report.hpp"

#include "report_html.hpp"
#include "report_scope.hpp"

namespace tessera::diagnostics {

PerformanceReport::PerformanceReport(std::filesystem::path path)
    : scope_(std::make_unique<ReportScope>(std::move(path), "performance_report")) {}

PerformanceReport::~PerformanceReport() {
  scope_->close_quietly(render_report_html);
}

void PerformanceReport::close() {
  scope_->close(render_report_html);
}

}  // namespace tessera::diagnostics
