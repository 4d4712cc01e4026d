#pragma once
// A Chrome / Perfetto trace of the computations of a scope (Trace Event Format JSON; open it in
// ui.perfetto.dev or chrome://tracing):
//
//   { auto t = tessera::trace("trace.json"); x.compute(); }
//
// One complete ("X") event per task: process = cluster, thread = worker thread or GPU stream,
// name = task group, args = key, worker, bytes, failed. Computations are async spans.

#include <filesystem>
#include <memory>

namespace tessera {
namespace diagnostics {

class ReportScope;

/// Collects the bus events while it lives and writes the trace when destroyed (RAII).
class Trace {
 public:
  /// Starts collecting; throws std::runtime_error naming `path` when it cannot be written.
  explicit Trace(std::filesystem::path path);
  /// Writes the trace unless close() did; a write failure becomes a warning on
  /// stderr (through the library's logger: TESSERA_LOG=quiet silences it).
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  /// Stops collecting and writes the trace now (once); throws std::runtime_error naming the
  /// path when writing fails.
  void close();

 private:
  std::unique_ptr<ReportScope> scope_;
};

}  // namespace diagnostics

/// Starts a trace written to `path` when the returned object is destroyed.
[[nodiscard]] inline diagnostics::Trace trace(std::filesystem::path path) {
  return diagnostics::Trace(std::move(path));
}

}  // namespace tessera
