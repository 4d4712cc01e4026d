// Writes Tessera's results of the dataframe operations as CSV files for pandas_crosscheck.py,
// which computes the same with pandas and compares.
//   dataframe_crosscheck DIR
#include <cstdio>
#include <string>

#include "tessera/dataframe.hpp"
#include "tessera/dataframe/datasets.hpp"
#include "tessera/tessera.hpp"

namespace dd = tessera::dataframe;

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: dataframe_crosscheck DIR\n");
    return 2;
  }
  const std::string dir = argv[1];
  const std::string groupby = dir + "/groupby.csv", tutorial = dir + "/tutorial.csv";
  dd::datasets::write_groupby_csv(groupby,
                                  {.rows = 20000, .groups = 10, .missing = 0.05, .seed = 7});
  dd::datasets::write_tutorial_csv(tutorial, {.rows = 20000, .categories = 7, .seed = 7});
  tessera::LocalCluster cluster(
      {.n_workers = 2, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  tessera::Client client(cluster);
  // Small blocks: many partitions, so the combine tree has several levels.
  const auto t = dd::read_csv(tutorial, {.blocksize = "32kB"});
  const auto g = dd::read_csv(groupby, {.blocksize = "64kB"});
  auto out = [&](const std::string& name, const dd::DataFrame& frame) {
    frame.compute().to_csv(dir + "/" + name + ".csv");
  };
  out("tutorial_mean", t[t["column"] > 10].groupby("category").mean());
  out("sum_id1", g.groupby("id1").agg({{"v1", "sum"}, {"v3", "sum"}}));
  out("count_id2", g.groupby("id2").count());
  out("min_id4", g[{"id4", "v1", "v3"}].groupby("id4").min());
  out("max_id4", g[{"id4", "v1", "v3"}].groupby("id4").max());
  out("std_var_id5", g.groupby("id5").agg({{"v3", "std"}, {"v1", "var"}}));
  out("size_id1_id4", g.groupby({"id1", "id4"}).size());
  out("mean_id6", g.groupby("id6").mean());
  const auto mask = ((g["v1"] > 2) & ~(g["id1"] == "id001")) | (g["v3"] < 10.0);
  out("filtered_sum_id2", g[mask].groupby("id2").agg({{"v2", "sum"}}));
  out("filtered_rows", g[(g["v2"] * 2 - g["v1"] >= 20) & (g["id3"] != "id0000000001")]);
  return 0;
}
