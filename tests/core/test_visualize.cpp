#include <graphviz/cgraph.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "serial_executor.hpp"
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
Parsed parse_dot(const std::string& dot) {
  Agraph_t* graph = agmemread(dot.c_str());
  if (!graph) return {-1, -1};
  Parsed parsed{agnnodes(graph), agnedges(graph)};
  agclose(graph);
  return parsed;
}

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
