#include "event_stream.hpp"

#include <fmt/format.h>

#include <charconv>

#include "tessera/diagnostics/bus.hpp"

namespace tessera::dashboard {
namespace {

constexpr auto kTick = std::chrono::milliseconds(250);
constexpr std::size_t kMaxTasksPerEvent = 1000;  // a browser draws no more than this anyway
constexpr double kBusyStatusInterval = 0.5, kIdleStatusInterval = 2.0;

std::uint64_t parse_seq(const std::string& text) {
  std::uint64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

struct Stream {
  std::uint64_t since = 0;
  bool tasks = true;  // ?tasks=0: status events only (pages without a task stream)
  bool started = false;
  double last_status = 0;
  double last_tasks = 0;  // when the last task records arrived
};

}  // namespace

void serve_event_stream(DashboardState& state, const HttpRequest& request, HttpResponse& response) {
  if (state.streams.fetch_add(1) >= kMaxStreams) {
    state.streams.fetch_sub(1);
    response.status = 503;
    response.set_content("too many live streams open\n", "text/plain; charset=utf-8");
    return;
  }
  auto stream = std::make_shared<Stream>();
  if (request.has_header("Last-Event-ID"))
    stream->since = parse_seq(request.header("Last-Event-ID"));
  else if (request.has_param("since"))
    stream->since = parse_seq(request.param("since"));
  stream->tasks = !(request.has_param("tasks") && request.param("tasks") == "0");

  // "text/event-stream" exactly: httplib compresses other text types, and a compressor would
  // hold events back until its buffer fills.
  response.set_header("X-Accel-Buffering", "no");  // nginx-style proxies: do not buffer either
  response.content_type = "text/event-stream";
  response.stream = [&state, stream](const StreamWriter& write) {
    if (!stream->started) {
      stream->started = true;
      if (!write("retry: 2000\n\n")) return StreamStep::abort;
    } else if (!state.wait(kTick)) {  // the server is stopping
      return StreamStep::finish;
    }
    const double now = diagnostics::now_seconds();
    std::uint64_t newest = 0;  // the records up to here have been sent (or skipped)
    if (stream->tasks) {
      const TaskBatch batch = state.log->tasks_since(stream->since, kMaxTasksPerEvent, true);
      newest = batch.last_seq;
      if (!batch.tasks.empty() || batch.skipped > 0) {
        const auto data = tasks_json(batch, task_row_workers(state.view));
        if (!write(fmt::format("id: {}\nevent: tasks\ndata: {}\n\n", batch.last_seq, data)))
          return StreamStep::abort;
      }
    } else {
      newest = state.log->last_seq();
    }
    // Status twice a second while tasks finish, every two seconds when idle.
    if (newest != stream->since) {
      stream->since = newest;
      stream->last_tasks = now;
    }
    const bool busy = now - stream->last_tasks < kIdleStatusInterval;
    if (now - stream->last_status >= (busy ? kBusyStatusInterval : kIdleStatusInterval)) {
      stream->last_status = now;
      if (!write(fmt::format("event: status\ndata: {}\n\n", state.status().dump())))
        return StreamStep::abort;
    }
    return StreamStep::next;
  };
  response.stream_closed = [&state] { state.streams.fetch_sub(1); };
}

}  // namespace tessera::dashboard
