#pragma once
// What performance_report and trace share: check the path up front, listen to the bus while
// the scope lives, write one file at the end.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "report_event_log.hpp"

namespace tessera::diagnostics {

class ReportScope {
 public:
  /// Starts listening; throws std::runtime_error naming `path` when it cannot be written.
  ReportScope(std::filesystem::path path, std::string what);
  ~ReportScope();
  ReportScope(const ReportScope&) = delete;
  ReportScope& operator=(const ReportScope&) = delete;

  /// Stops listening and writes render(events) to the path, once; throws std::runtime_error
  /// naming the path when writing fails.
  void close(const std::function<std::string(const EventLogSnapshot&)>& render);
  /// True after close().
  bool closed() const noexcept { return closed_; }
  /// The file written.
  const std::filesystem::path& path() const noexcept { return path_; }
  /// Runs close(render) from a destructor: failures become a warning on stderr.
  void close_quietly(const std::function<std::string(const EventLogSnapshot&)>& render) noexcept;

 private:
  std::filesystem::path path_;
  std::string what_;
  std::shared_ptr<EventLog> log_;
  std::unique_ptr<Subscription> subscription_;
  bool closed_ = false;
};

}  // namespace tessera::diagnostics
