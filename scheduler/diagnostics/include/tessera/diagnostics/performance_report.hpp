#pragma once
// One self-contained HTML page about the computations of a scope (distributed.performance_report):
//
//   {
//     auto report = tessera::performance_report("report.html");
//     x.compute();
//   }  // report.html: task stream, per-worker summary, task-group timings, runs, totals
//
// The page needs no network: styles, script and data are inline.

#include <filesystem>
#include <memory>

namespace tessera {
namespace diagnostics {

class ReportScope;

/// Collects the bus events while it lives and writes the report when destroyed (RAII).
class PerformanceReport {
 public:
  /// Starts collecting; throws std::runtime_error naming `path` when it cannot be written.
  explicit PerformanceReport(std::filesystem::path path);
  /// Writes the report unless close() did; a write failure becomes a warning on
  /// stderr (through the library's logger: TESSERA_LOG=quiet silences it).
  ~PerformanceReport();
  PerformanceReport(const PerformanceReport&) = delete;
  PerformanceReport& operator=(const PerformanceReport&) = delete;

  /// Stops collecting and writes the report now (once); throws std::runtime_error naming the
  /// path when writing fails.
  void close();

 private:
  std::unique_ptr<ReportScope> scope_;
};

}  // namespace diagnostics

/// Starts a performance report written to `path` when the returned object is destroyed.
[[nodiscard]] inline diagnostics::PerformanceReport performance_report(std::filesystem::path path) {
  return diagnostics::PerformanceReport(std::move(path));
}

}  // namespace tessera
