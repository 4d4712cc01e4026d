#include "routes.hpp"

#include <array>
#include <charconv>
#include <string_view>

#include "dashboard_assets.hpp"
#include "event_stream.hpp"
#include "metrics.hpp"

namespace tessera::dashboard {
namespace {

constexpr const char* kJsonType = "application/json";

// Pages at the top level, each an asset "<name>.html". Every page links to the others and to
// its assets relatively ("static/dashboard.js"), so all of them work under any path prefix.
constexpr std::array kPages = {"status", "workers", "graph", "info"};
constexpr std::array kIndividualPages = {"individual-task-stream",    "individual-progress",
                                         "individual-workers-memory", "individual-nprocessing",
                                         "individual-graph",          "individual-workers"};

constexpr std::size_t kDefaultTaskLimit = 10'000, kMaxTaskLimit = 100'000;

std::string_view content_type(std::string_view name) {
  auto ends = [&](std::string_view suffix) { return name.ends_with(suffix); };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  if (ends(".json")) return kJsonType;
  return "application/octet-stream";
}

bool serve_asset(std::string_view name, HttpResponse& response) {
  const std::string_view bytes = dashboard_asset(name);
  if (bytes.empty()) return false;
  response.set_content(std::string(bytes), content_type(name));
  return true;
}

// Asset names are plain file names: no '/', no "..", nothing a path could be built from.
bool plain_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name.front() == '.') return false;
  for (char c : name)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-'))
      return false;
  return true;
}

// A non-negative integer query parameter, `fallback` when absent; false when malformed.
bool count_param(const HttpRequest& request, const char* name, std::uint64_t fallback,
                 std::uint64_t& out) {
  out = fallback;
  if (!request.has_param(name)) return true;
  const std::string text = request.param(name);
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  return error == std::errc() && end == text.data() + text.size();
}

void bad_request(HttpResponse& response, const std::string& why) {
  response.status = 400;
  response.set_content(why + "\n", "text/plain; charset=utf-8");
}

void serve_tasks(DashboardState& state, const HttpRequest& request, HttpResponse& response) {
  std::uint64_t since = 0, limit = 0, newest = 0;
  if (!count_param(request, "since", 0, since)) return bad_request(response, "since: not a count");
  if (!count_param(request, "limit", kDefaultTaskLimit, limit))
    return bad_request(response, "limit: not a count");
  if (!count_param(request, "newest", 0, newest) || newest > 1)
    return bad_request(response, "newest: 0 or 1");
  const TaskBatch batch =
      state.log->tasks_since(since, std::min<std::uint64_t>(limit, kMaxTaskLimit), newest == 1);
  response.set_content(tasks_json(batch, task_row_workers(state.view)), kJsonType);
}

}  // namespace

nlohmann::json individual_plots() {
  nlohmann::json out = nlohmann::json::object();
  for (std::string_view page : kIndividualPages) {
    // Dask's naming: "individual-task-stream" is listed as "Individual Task Stream".
    std::string title(page);
    bool word_start = true;
    for (char& c : title) {
      if (c == '-') c = ' ';
      if (word_start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      word_start = c == ' ';
    }
    out[title] = std::string(1, '/').append(page);
  }
  return out;
}

void handle_get(DashboardState& state, const HttpRequest& request, HttpResponse& response) {
  const std::string_view path = request.path;
  if (path == "/") {
    response.status = 302;
    response.set_header("Location", "status");  // relative: stays under any prefix a proxy added
    return;
  }
  if (path == "/health") return response.set_content("ok", "text/plain; charset=utf-8");
  if (path == "/metrics")
    return response.set_content(metrics_text(state.workers(), state.log->runs()),
                                "text/plain; version=0.0.4; charset=utf-8");
  if (path == "/individual-plots.json")
    return response.set_content(individual_plots().dump(), kJsonType);
  if (path == "/api/v1/status") return response.set_content(state.status().dump(), kJsonType);
  if (path == "/api/v1/workers")
    return response.set_content(workers_json(state.workers()).dump(), kJsonType);
  if (path == "/api/v1/tasks") return serve_tasks(state, request, response);
  if (path == "/api/v1/info")
    return response.set_content(info_json(state.view, state.facts).dump(), kJsonType);
  if (path == "/api/v1/stream") return serve_event_stream(state, request, response);
  if (path.starts_with("/static/")) {
    const std::string_view name = path.substr(8);
    if (plain_name(name) && serve_asset(name, response)) return;
  } else {
    const std::string_view page = path.substr(1);
    auto known = [&](const auto& list) {
      return std::find(list.begin(), list.end(), page) != list.end();
    };
    if ((known(kPages) || known(kIndividualPages)) &&
        serve_asset(std::string(page).append(".html"), response))
      return;
  }
  response.status = 404;
  response.set_content("404 not found\n", "text/plain; charset=utf-8");
}

}  // namespace tessera::dashboard
