#include "report_scope.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "tessera/detail/log.hpp"

namespace tessera::diagnostics {
namespace {

[[noreturn]] void throw_unwritable(const std::string& what, const std::filesystem::path& path,
                                   int error) {
  throw std::runtime_error(fmt::format("{}: cannot write '{}': {}", what, path.string(),
                                       error ? std::strerror(error) : "write failed"));
}

}  // namespace

ReportScope::ReportScope(std::filesystem::path path, std::string what)
    : path_(std::move(path)), what_(std::move(what)), log_(std::make_shared<EventLog>()) {
  // Fail now, in the user's frame, rather than in a destructor after the work is done. Append
  // mode creates the file without clobbering an older one until there is something to write.
  errno = 0;
  std::ofstream probe(path_, std::ios::app);
  if (!probe) throw_unwritable(what_, path_, errno);
  subscription_ = std::make_unique<Subscription>(log_);
}

ReportScope::~ReportScope() = default;

void ReportScope::close(const std::function<std::string(const EventLogSnapshot&)>& render) {
  if (closed_) return;
  closed_ = true;
  subscription_.reset();
  const std::string text = render(log_->snapshot());
  errno = 0;
  std::ofstream out(path_, std::ios::binary | std::ios::trunc);
  if (!out) throw_unwritable(what_, path_, errno);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) throw_unwritable(what_, path_, errno);
}

void ReportScope::close_quietly(
    const std::function<std::string(const EventLogSnapshot&)>& render) noexcept {
  try {
    close(render);
  } catch (const std::exception& e) {
    // A destructor must not throw; the user still learns that the file is missing, unless they
    // silenced the library's warnings (TESSERA_LOG=quiet).
    log_warning(e.what());
  }
}

}  // namespace tessera::diagnostics
