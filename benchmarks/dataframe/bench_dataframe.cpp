// One data frame workload per run, so each reports its own peak memory (compare.py runs them all
// beside pandas and Dask). Prints one JSON object.
//
//   bench_dataframe gen-tutorial FILE ROWS | gen-groupby FILE ROWS GROUPS | gen-quoted FILE FROM
//   bench_dataframe parse FILE          typed parse of every column on one worker
//   bench_dataframe tutorial FILE       df[df["column"] > 10].groupby("category").mean()
//   bench_dataframe q1|q3|q5 FILE [N]   H2O groupby questions on two workers, on a persisted frame
//                                       (best of N runs, 3 by default)
#include <fmt/format.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>

#include "dataframe/csv_parse.hpp"
#include "tessera/dataframe.hpp"
#include "tessera/dataframe/datasets.hpp"
#include "tessera/tessera.hpp"

namespace dd = tessera::dataframe;

namespace {

template <class F>
double best_seconds(int repeats, F&& f) {
  double best = 1e300;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    f();
    best = std::min(
        best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// Peak resident memory of this process (VmHWM), as the anchors report theirs.
double peak_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);)
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  return 0;
}

double file_mb(const std::string& path) {
  struct stat info {};
  ::stat(path.c_str(), &info);
  return static_cast<double>(info.st_size) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_dataframe CASE FILE [ROWS [GROUPS]]\n");
    return 2;
  }
  const std::string what = argv[1], file = argv[2];
  if (what == "gen-tutorial") {
    dd::datasets::write_tutorial_csv(file, {.rows = std::stoll(argv[3])});
    return 0;
  }
  if (what == "gen-quoted") {
    // The tutorial file (argv[3]) with every category quoted around a line break ("cat\n3"):
    // what Dask's block cutting splits wrongly, for the parse speed with quoted newlines.
    std::ifstream in(argv[3], std::ios::binary);
    std::ofstream out(file, std::ios::binary);
    std::string line;
    std::getline(in, line);
    out << line << '\n';
    while (std::getline(in, line)) {
      const std::size_t a = line.find(','), b = line.find(',', a + 1), c = line.find(',', b + 1);
      out << line.substr(0, b + 1) << "\"" << line.substr(b + 1, 3) << '\n'
          << line.substr(b + 4, c - b - 4) << '"' << line.substr(c) << '\n';
    }
    return 0;
  }
  if (what == "gen-groupby") {
    dd::datasets::write_groupby_csv(file,
                                    {.rows = std::stoll(argv[3]), .groups = std::stoll(argv[4])});
    return 0;
  }
  if (what == "kernels") {
    // The parse and the type pass alone, on one core, from memory: no I/O, no scheduling.
    std::ifstream in(file, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    namespace dt = dd::detail;
    dt::CsvFormat format;
    format.set_na_values(dt::default_na_values());
    const std::size_t header = bytes.find('\n') + 1;
    const dt::CsvText text{std::string_view(bytes).substr(header), &file, 2};
    const auto names =
        dt::read_header(dt::CsvText{std::string_view(bytes).substr(0, header), &file, 1}, format);
    std::vector<dt::FieldKind> kinds;
    const double infer =
        best_seconds(9, [&] { kinds = dt::infer_kinds(text, format, names.size()); });
    dt::CsvSchema schema{names, {}, {}};
    for (std::size_t c = 0; c < names.size(); ++c) {
      schema.use.push_back(c);
      schema.types.push_back(dt::column_type(kinds[c]));
    }
    const double parse = best_seconds(9, [&] { dt::parse_columns(text, format, schema); });
    std::printf("{\"case\": \"kernels\", \"parse_mb_per_s\": %.1f, \"infer_mb_per_s\": %.1f}\n",
                text.bytes.size() / 1e6 / parse, text.bytes.size() / 1e6 / infer);
    return 0;
  }
  const int workers = what == "parse" ? 1 : 2;
  tessera::LocalCluster cluster(
      {.n_workers = workers, .threads_per_worker = 1, .n_gpu_workers = 0, .dashboard_address = ""});
  tessera::Client client(cluster);
  std::size_t rows = 0;
  double seconds = 0;
  if (what == "parse") {
    // Types given, as a typed reader is used: the parse alone, no inference pass.
    dd::CsvOptions options;
    auto probe = dd::read_csv(file, {.blocksize = "16MB"});
    for (const std::string& c : probe.columns()) options.dtype[c] = probe.dtype(c);
    options.blocksize = "16MB";
    seconds = best_seconds(3, [&] { rows = dd::read_csv(file, options).compute().num_rows(); });
  } else if (what == "tutorial") {
    seconds = best_seconds(3, [&] {
      auto df = dd::read_csv(file);
      rows = df[df["column"] > 10].groupby("category").mean().compute().num_rows();
    });
  } else {
    // In memory first, as pandas' questions are timed on a frame already read.
    const auto df = dd::read_csv(file).persist();
    auto question = [&] {
      if (what == "q1") return df.groupby("id1").agg({{"v1", "sum"}});
      if (what == "q3") return df.groupby("id3").agg({{"v1", "sum"}, {"v3", "mean"}});
      return df.groupby("id6").agg({{"v1", "sum"}, {"v2", "sum"}, {"v3", "sum"}});
    };
    const int repeats = argc > 3 ? std::stoi(argv[3]) : 3;
    seconds = best_seconds(repeats, [&] { rows = question().compute().num_rows(); });
  }
  std::printf("%s\n", fmt::format("{{\"case\": \"{}\", \"seconds\": {:.6f}, \"rows\": {}, "
                                  "\"mb_per_s\": {:.1f}, \"peak_mb\": {:.1f}, \"workers\": {}}}",
                                  what, seconds, rows, file_mb(file) / seconds, peak_mb(), workers)
                          .c_str());
  return 0;
}
