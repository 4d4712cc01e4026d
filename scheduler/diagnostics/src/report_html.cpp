#include "report_html.hpp"

#include <fmt/format.h>

#include <ctime>
#include <nlohmann/json.hpp>

#include "report_assets.hpp"
#include "report_summary.hpp"

namespace tessera::diagnostics {
namespace {

// Beyond this many bars a browser spends seconds laying the stream out; the tables still count
// every task.
constexpr std::size_t kMaxStreamTasks = 50'000;

constexpr std::string_view kStyle = R"CSS(
:root { --fg: #1d2433; --muted: #5b6475; --line: #dde2ea; --bg: #f6f7f9; --accent: #2b6cb0;
        --bad: #c53030; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--fg); background: var(--bg); }
header { background: #1d2433; color: #fff; padding: 18px 28px; }
header h1 { margin: 0; font-size: 20px; font-weight: 600; }
header p { margin: 4px 0 0; color: #c3cad6; }
main { padding: 8px 28px 32px; max-width: 1400px; }
section { background: #fff; border: 1px solid var(--line); border-radius: 6px; margin: 16px 0;
          padding: 14px 18px; }
h2 { font-size: 15px; margin: 0 0 10px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 8px 14px; min-width: 130px; }
.card b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.card span { color: var(--muted); font-size: 12px; }
.card.bad b { color: var(--bad); }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: right; padding: 4px 10px; border-bottom: 1px solid var(--line); }
th:first-child, td:first-child, th.text, td.text { text-align: left; }
th { color: var(--muted); font-weight: 600; font-size: 12px; }
tr.failed td { color: var(--bad); }
.busy { display: inline-block; height: 8px; background: var(--accent); border-radius: 2px;
        vertical-align: middle; margin-left: 6px; }
.note { color: var(--muted); font-size: 12px; margin: 6px 0 0; }
#task-stream { min-height: 40px; overflow-x: auto; }
/* The task stream's own rules, as the dashboard's stylesheet has them. */
.task-stream { display: block; }
.task-legend { display: flex; flex-wrap: wrap; gap: 10px; margin-top: 6px; font-size: 12px; }
.task-legend-item { display: inline-flex; align-items: center; gap: 4px; }
.task-legend-swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; }
)CSS";

std::string seconds_text(double s) {
  if (s >= 100) return fmt::format("{:.0f} s", s);
  if (s >= 1) return fmt::format("{:.2f} s", s);
  if (s >= 1e-3) return fmt::format("{:.2f} ms", s * 1e3);
  return fmt::format("{:.1f} µs", s * 1e6);
}

std::string utc_text(double epoch_seconds) {
  const auto t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string card(const std::string& value, std::string_view label, bool bad = false) {
  return fmt::format("<div class=\"card{}\"><b>{}</b><span>{}</span></div>", bad ? " bad" : "",
                     html_escape(value), label);
}

std::string totals_section(const ReportSummary& s) {
  std::string out = "<section id=\"totals\"><h2>Totals</h2><div class=\"cards\">";
  out += card(fmt::format("{}", s.tasks), "tasks");
  out += card(fmt::format("{}", s.failed), "failed tasks", s.failed > 0);
  out += card(fmt::format("{}", s.runs.size()), "computations");
  out += card(fmt::format("{}", s.workers.size()), "workers used");
  out += card(seconds_text(s.computing), "computing (wall)");
  out += card(seconds_text(s.busy), "task time (all threads)");
  out += card(seconds_text(s.stop - s.start), "report scope");
  return out + "</div></section>\n";
}

std::string workers_section(const ReportSummary& s) {
  std::string out =
      "<section><h2>Workers</h2><table id=\"workers-table\"><thead><tr><th>worker</th>"
      "<th class=\"text\">cluster</th><th class=\"text\">kind</th><th>threads used</th>"
      "<th>tasks</th><th>failed</th><th>busy</th><th>% busy</th></tr></thead><tbody>";
  for (const auto& w : s.workers)
    out += fmt::format(
        "<tr{}><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td>{}</td><td>{:.1f}%<span class=\"busy\" "
        "style=\"width:{:.0f}px\"></span></td></tr>",
        w.failed ? " class=\"failed\"" : "", html_escape(w.worker), html_escape(w.cluster),
        w.backend == Backend::host   ? std::string_view("CPU")
        : w.backend == Backend::cuda ? std::string_view("GPU")
                                     : backend_name(w.backend),
        w.threads, w.tasks, w.failed, seconds_text(w.busy), w.percent_busy,
        std::min(w.percent_busy, 100.0) * 0.6);
  return out +
         "</tbody></table><p class=\"note\">% busy: task time over the time its cluster was "
         "computing, per thread that ran tasks.</p></section>\n";
}

std::string groups_section(const ReportSummary& s) {
  std::string out =
      "<section><h2>Task groups</h2><table id=\"groups-table\"><thead><tr><th>group</th>"
      "<th>count</th><th>failed</th><th>total</th><th>mean</th><th>max</th></tr></thead><tbody>";
  for (const auto& g : s.groups)
    out +=
        fmt::format("<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    g.failed ? " class=\"failed\"" : "", html_escape(g.group), g.count, g.failed,
                    seconds_text(g.total), seconds_text(g.mean), seconds_text(g.max));
  return out + "</tbody></table></section>\n";
}

std::string runs_section(const ReportSummary& s) {
  std::string out =
      "<section><h2>Computations</h2><table id=\"runs-table\"><thead><tr><th>run</th>"
      "<th class=\"text\">cluster</th><th class=\"text\">submitted</th><th>tasks</th>"
      "<th>ran</th><th>wall</th><th class=\"text\">state</th></tr></thead><tbody>";
  for (const auto& r : s.runs) {
    const char* state = !r.finished ? "running at close" : r.failed ? "failed" : "finished";
    out += fmt::format(
        "<tr{}><td>{}</td><td class=\"text\">{}</td><td class=\"text\">{}</td><td>{}</td>"
        "<td>{}</td><td>{}</td><td class=\"text\">{}</td></tr>",
        r.failed ? " class=\"failed\"" : "", r.run, html_escape(r.cluster), utc_text(r.start),
        r.tasks, r.ran, seconds_text(r.wall()), state);
  }
  return out + "</tbody></table></section>\n";
}

// Task records for drawTaskStream, as JSON safe inside <script>: "<" only occurs in strings,
// where \u003c means the same, so no "</script>" can end the element early.
std::string stream_data(const EventLogSnapshot& events) {
  nlohmann::json tasks = nlohmann::json::array();
  const std::size_t n = std::min(events.tasks.size(), kMaxStreamTasks);
  for (std::size_t i = 0; i < n; ++i) {
    const TaskRecord& t = events.tasks[i];
    tasks.push_back({{"key", t.key()},
                     {"group", t.group},
                     {"worker_name", t.worker_name},
                     {"thread", t.thread},
                     {"start", t.start},
                     {"stop", t.stop},
                     {"failed", t.failed}});
  }
  std::string json = nlohmann::json{{"tasks", std::move(tasks)}}.dump(
      -1, ' ', false, nlohmann::json::error_handler_t::replace);
  std::string safe;
  safe.reserve(json.size());
  for (char c : json) c == '<' ? safe += "\\u003c" : safe += c;
  return safe;
}

// A script made safe to inline: "</script" can only occur inside a string, regex or comment,
// where "<\/script" means the same to JavaScript but does not end the element.
std::string inline_script(std::string_view script) {
  std::string out(script);
  for (auto at = out.find("</script"); at != std::string::npos; at = out.find("</script", at + 2))
    out.replace(at, 2, "<\\/");
  return out;
}

}  // namespace

std::string html_escape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  return out;
}

std::string render_report_html(const EventLogSnapshot& events) {
  const ReportSummary s = summarize(events);
  std::string page =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<link rel=\"icon\" href=\"data:,\">\n<title>Tessera performance report</title>\n<style>";
  page += kStyle;
  page += "</style>\n</head>\n<body>\n<header><h1>Tessera performance report</h1>";
  page += fmt::format("<p>{} &middot; {} tasks in {} computations &middot; {} computing</p>",
                      utc_text(s.start), s.tasks, s.runs.size(), seconds_text(s.computing));
  page += "</header>\n<main>\n";
  page += totals_section(s);
  page += "<section><h2>Task stream</h2><div id=\"task-stream\"></div>";
  if (events.tasks.size() > kMaxStreamTasks)
    page += fmt::format("<p class=\"note\">The stream shows the first {} of {} tasks.</p>",
                        kMaxStreamTasks, events.tasks.size());
  page += "</section>\n";
  page += workers_section(s);
  page += groups_section(s);
  page += runs_section(s);
  page += "</main>\n<script type=\"application/json\" id=\"report-data\">";
  page += stream_data(events);
  page += "</script>\n<script>\n";
  page += inline_script(report_task_stream_script());
  // Every task gets its bar (the live dashboard keeps only the newest few thousand).
  page +=
      "\n</script>\n<script>\n"
      "(function () {\n"
      "  var data = JSON.parse(document.getElementById('report-data').textContent);\n"
      "  drawTaskStream(document.getElementById('task-stream'), data.tasks,\n"
      "                 {maxBars: Math.max(1, data.tasks.length)});\n"
      "})();\n</script>\n</body>\n</html>\n";
  return page;
}

}  // namespace tessera::diagnostics
