// performance_report: one self-contained HTML page with what ran in its scope.
#include <gtest/gtest.h>

#include <regex>
#include <stdexcept>

#include "diagnostics_test_util.hpp"
#include "report_test_util.hpp"
#include "tessera/diagnostics/performance_report.hpp"

using namespace tessera;
namespace fs = std::filesystem;

namespace {

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST(PerformanceReport, ListsTasksWorkersGroupsAndRuns) {
  const auto path = test::scratch_dir("report") / "report.html";
  LocalCluster cluster(test::quiet_cluster("reporting"));
  Client client(cluster);
  auto recorder = std::make_shared<test::TaskRecorder>();
  {
    diagnostics::Subscription listen(recorder);
    auto report = performance_report(path);
    compute(test::naps(12, 2, "nap"));
    auto x = random::random({200, 200}, {100, 100});
    (x + 1.0).sum().compute();
  }
  const std::string html = test::read_text(path);
  ASSERT_FALSE(html.empty());
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_NE(html.find("</html>"), std::string::npos);
  for (const char* id : {"id=\"task-stream\"", "id=\"workers-table\"", "id=\"groups-table\"",
                         "id=\"runs-table\"", "id=\"totals\"", "function drawTaskStream"})
    EXPECT_NE(html.find(id), std::string::npos) << id;
  EXPECT_NE(html.find("<td>cpu-0</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>cpu-1</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>nap</td><td>12</td>"), std::string::npos) << "group count";
  EXPECT_NE(html.find("reporting"), std::string::npos) << "cluster name";
  ASSERT_FALSE(recorder->tasks.empty());
  for (const auto& t : recorder->tasks)
    EXPECT_NE(html.find("\"key\":\"" + t.key() + "\""), std::string::npos) << t.key();
  EXPECT_EQ(count(html, "\"key\":"), recorder->tasks.size());
}

TEST(PerformanceReport, NeedsNoNetwork) {
  const auto path = test::scratch_dir("report-offline") / "report.html";
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  {
    auto report = performance_report(path);
    compute(test::naps(3, 1));
  }
  const std::string html = test::read_text(path);
  // Nothing that loads: no src or stylesheet links, no remote hrefs, imports or fetches. (The
  // SVG namespace URI in the script is a name, not a load.)
  for (const char* load : {"src=", "rel=\"stylesheet\"", "href=\"http", "@import", "url(", "fetch(",
                           "XMLHttpRequest", "EventSource"})
    EXPECT_EQ(html.find(load), std::string::npos) << load;
}

TEST(PerformanceReport, ShowsFailures) {
  const auto path = test::scratch_dir("report-failure") / "report.html";
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  {
    auto report = performance_report(path);
    auto bad = delayed([]() -> int { throw std::runtime_error("no"); }, "doomed")();
    EXPECT_THROW(bad.compute(), TaskError);
  }
  const std::string html = test::read_text(path);
  EXPECT_NE(html.find("<tr class=\"failed\"><td>doomed</td><td>1</td><td>1</td>"),
            std::string::npos);
  EXPECT_NE(html.find("\"failed\":true"), std::string::npos);
  EXPECT_NE(html.find("<td class=\"text\">failed</td>"), std::string::npos) << "the run";
  EXPECT_NE(html.find("<div class=\"card bad\"><b>1</b><span>failed tasks"), std::string::npos);
}

TEST(PerformanceReport, ScopesNest) {
  const auto dir = test::scratch_dir("report-nested");
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  {
    auto outer = performance_report(dir / "outer.html");
    compute(test::naps(2, 1, "before"));
    {
      auto inner = performance_report(dir / "inner.html");
      compute(test::naps(2, 1, "during"));
    }
    compute(test::naps(2, 1, "after"));
  }
  const std::string outer = test::read_text(dir / "outer.html");
  const std::string inner = test::read_text(dir / "inner.html");
  for (const char* group : {"<td>before</td>", "<td>during</td>", "<td>after</td>"})
    EXPECT_NE(outer.find(group), std::string::npos) << group;
  EXPECT_NE(inner.find("<td>during</td>"), std::string::npos);
  EXPECT_EQ(inner.find("<td>before</td>"), std::string::npos);
  EXPECT_EQ(inner.find("<td>after</td>"), std::string::npos);
}

TEST(PerformanceReport, UnwritablePathThrowsNamingIt) {
  const std::string missing = "/nonexistent-tessera-dir/sub/report.html";
  try {
    auto report = performance_report(missing);
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const auto dir = test::scratch_dir("report-is-dir");
  EXPECT_THROW(diagnostics::PerformanceReport{dir}, std::runtime_error);
}

// The destructor cannot throw, so a report it cannot write becomes a warning: through the
// library's logger, which TESSERA_LOG=quiet silences like every other warning.
TEST(PerformanceReport, AFailedWriteInTheDestructorWarnsUnlessTheLogIsQuiet) {
  for (const bool quiet : {false, true}) {
    const auto dir = test::scratch_dir(quiet ? "report-gone-quiet" : "report-gone");
    const auto path = dir / "report.html";
    if (quiet)
      setenv("TESSERA_LOG", "quiet", 1);
    else
      unsetenv("TESSERA_LOG");
    testing::internal::CaptureStderr();
    {
      auto report = performance_report(path);
      fs::remove_all(dir);  // writable when the report started, gone when it ends
    }
    const std::string warning = testing::internal::GetCapturedStderr();
    unsetenv("TESSERA_LOG");
    if (quiet) {
      EXPECT_EQ(warning, "");
    } else {
      EXPECT_EQ(warning, "tessera: warning: performance_report: cannot write '" + path.string() +
                             "': No such file or directory\n");
    }
  }
}

TEST(PerformanceReport, CloseWritesOnceAndStopsCollecting) {
  const auto path = test::scratch_dir("report-close") / "report.html";
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  auto report = performance_report(path);
  compute(test::naps(2, 1, "kept"));
  report.close();
  compute(test::naps(2, 1, "ignored"));
  report.close();
  const std::string html = test::read_text(path);
  EXPECT_NE(html.find("<td>kept</td>"), std::string::npos);
  EXPECT_EQ(html.find("ignored"), std::string::npos);
}

TEST(PerformanceReport, EscapesNamesInsideThePage) {
  const auto path = test::scratch_dir("report-escape") / "report.html";
  LocalCluster cluster(test::quiet_cluster());
  Client client(cluster);
  {
    auto report = performance_report(path);
    delayed([] { return 1; }, "</script><b>x&y")().compute();
  }
  const std::string html = test::read_text(path);
  EXPECT_EQ(html.find("</script><b>"), std::string::npos);
  EXPECT_NE(html.find("&lt;/script&gt;&lt;b&gt;x&amp;y"), std::string::npos);
  EXPECT_NE(html.find("\\u003c/script>\\u003cb>x&y"), std::string::npos);
}
