#include <gtest/gtest.h>
#include <unistd.h>

#if TESSERA_TEST_WITH_LIBGVC
#include <graphviz/cgraph.h>
#endif

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "serial_executor.hpp"
#include "tessera/build_info.hpp"
#include "tessera/detail/dot_program.hpp"
#include "tessera/random.hpp"
#include "tessera/visualize.hpp"

using namespace tessera;
namespace fs = std::filesystem;

// External linkage: dladdr names only exported symbols (tests link with -rdynamic).
double calculate_pi(double size) {
  return size;
}

namespace {

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

struct Parsed {
  int nodes, edges;
};
#if TESSERA_TEST_WITH_LIBGVC
// Graphviz's own parser: the DOT must be valid, not only look right.
Parsed parse_dot(const std::string& dot) {
  Agraph_t* graph = agmemread(dot.c_str());
  if (!graph) return {-1, -1};
  Parsed parsed{agnnodes(graph), agnedges(graph)};
  agclose(graph);
  return parsed;
}
#else
// Without libgvc: count the statements to_dot writes, one node or edge per line.
Parsed parse_dot(const std::string& dot) {
  if (!dot.starts_with("digraph") || !dot.ends_with("}\n")) return {-1, -1};
  const std::regex node(R"(^  "[^"]*" \[label=)"), edge(R"(^  "[^"]*" -> "[^"]*";$)");
  Parsed parsed{0, 0};
  std::istringstream lines(dot);
  for (std::string line; std::getline(lines, line);) {
    if (std::regex_search(line, node)) ++parsed.nodes;
    if (std::regex_match(line, edge)) ++parsed.edges;
  }
  return parsed;
}
#endif

// Sets PATH for one scope.
struct ScopedPath {
  std::string saved;
  explicit ScopedPath(const std::string& path)
      : saved(std::getenv("PATH") ? std::getenv("PATH") : "") {
    ::setenv("PATH", path.c_str(), 1);
  }
  ~ScopedPath() { ::setenv("PATH", saved.c_str(), 1); }
};

struct Visualize : ::testing::Test {
  fs::path dir = fs::temp_directory_path() / ("tessera_vis_" + std::to_string(::getpid()));
  void SetUp() override { fs::create_directories(dir); }
  void TearDown() override { fs::remove_all(dir); }
};

}  // namespace

TEST_F(Visualize, OneTaskIsOneNode) {
  auto d = delayed(calculate_pi)(10000.0);
  visualize(d, (dir / "one.dot").string());
  const std::string dot = slurp(dir / "one.dot");
  Parsed p = parse_dot(dot);
  EXPECT_EQ(p.nodes, 1);
  EXPECT_EQ(p.edges, 0);
  EXPECT_NE(dot.find("calculate_pi"), std::string::npos);
}

TEST_F(Visualize, FiveIndependentCallsAreFiveNodes) {
  std::vector<Delayed<double>> runs;
  for (int i = 0; i < 5; ++i) runs.push_back(delayed(calculate_pi)(10000.0 * (i + 1)));
  visualize(runs, (dir / "five.gv").string());
  Parsed p = parse_dot(slurp(dir / "five.gv"));
  EXPECT_EQ(p.nodes, 5);
  EXPECT_EQ(p.edges, 0);
}

TEST_F(Visualize, DependenciesAreEdgesAndSharedNodesDrawnOnce) {
  auto a = delayed(calculate_pi)(1.0);
  auto b = delayed([](double x) { return x; }, "inc")(a);
  auto c = delayed([](double x, double y) { return x + y; }, "add")(a, b);
  visualize(b, c, (dir / "dag.dot").string());
  Parsed p = parse_dot(slurp(dir / "dag.dot"));
  EXPECT_EQ(p.nodes, 3);
  EXPECT_EQ(p.edges, 3);
}

TEST_F(Visualize, RendersSvgAndPng) {
  auto d = delayed(calculate_pi)(1.0);
  const char* path = std::getenv("PATH");
  if (!build_info().graphviz && !detail::find_dot_program(path ? path : ""))
    GTEST_SKIP() << "built without libgvc and no dot program on PATH (WithoutDotTheErrorSaysHow)";
  visualize(d, (dir / "g.svg").string());
  const std::string svg = slurp(dir / "g.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("calculate_pi"), std::string::npos);
  visualize(d, (dir / "g.png").string());
  const std::string png = slurp(dir / "g.png");
  ASSERT_GE(png.size(), 8u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
}

TEST_F(Visualize, BadExtensionOrPathIsAnError) {
  auto d = delayed(calculate_pi)(1.0);
  try {
    visualize(d, (dir / "graph.bmpx").string());
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bmpx"), std::string::npos);
  }
  EXPECT_THROW(visualize(d, (dir / "missing" / "g.svg").string()), std::runtime_error);
}

TEST_F(Visualize, ArrayGraphsShowOneTaskPerChunkAndTheReductionTree) {
  auto x = random::random({20}, 5, 1);
  visualize(x.sum(), (dir / "sum.dot").string());
  Parsed p = parse_dot(slurp(dir / "sum.dot"));
  // 4 chunk tasks feeding one aggregate (4 <= split_every).
  EXPECT_EQ(p.nodes, 5);
  EXPECT_EQ(p.edges, 4);
  EXPECT_EQ(static_cast<std::size_t>(p.nodes), x.sum().task_count());
}

// Built without libgvc, visualize() runs Graphviz's `dot` program from PATH.
TEST_F(Visualize, TheDotProgramRendersTheSameDot) {
  const char* path = std::getenv("PATH");
  if (!detail::find_dot_program(path ? path : "")) GTEST_SKIP() << "no dot program on PATH";
  detail::render_with_dot_program("digraph g { \"a b\" -> c; }\n", "svg", (dir / "p.svg").string());
  const std::string svg = slurp(dir / "p.svg");
  EXPECT_NE(svg.find("<svg"), std::string::npos);
  EXPECT_NE(svg.find("a b"), std::string::npos);
}

TEST_F(Visualize, WithoutDotTheErrorSaysHow) {
  ScopedPath empty((dir / "no-such-dir").string());
  EXPECT_EQ(detail::find_dot_program((dir / "no-such-dir").string()), std::nullopt);
  try {
    detail::render_with_dot_program("digraph g {}\n", "svg", (dir / "x.svg").string());
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("apt install graphviz"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("x.svg"), std::string::npos) << e.what();
  }
  if (!build_info().graphviz) {  // and visualize() itself says so
    auto d = delayed(calculate_pi)(1.0);
    EXPECT_THROW(visualize(d, (dir / "g.svg").string()), std::runtime_error);
    visualize(d, (dir / "g.dot").string());  // DOT needs no Graphviz
    EXPECT_EQ(parse_dot(slurp(dir / "g.dot")).nodes, 1);
  }
}

// A `dot` that fails: its exit status and first line of errors reach the message.
TEST_F(Visualize, AFailingDotProgramIsAnErrorWithItsMessage) {
  const fs::path bin = dir / "bin";
  fs::create_directories(bin);
  {
    std::ofstream script(bin / "dot");
    script << "#!/bin/sh\necho 'Error: syntax error in line 1' >&2\nexit 3\n";
  }
  fs::permissions(bin / "dot", fs::perms::owner_all);
  EXPECT_EQ(detail::find_dot_program("/nonexistent:" + bin.string()), (bin / "dot").string());
  ScopedPath only(bin.string());
  try {
    detail::render_with_dot_program("digraph g {}\n", "png", (dir / "y.png").string());
    FAIL() << "no exception";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("exit status 3"), std::string::npos) << what;
    EXPECT_NE(what.find("syntax error in line 1"), std::string::npos) << what;
  }
}
