// read_csv: files → partitions. One parallel pass now finds the rows of every block (quote-safe)
// and every column's type from all the rows; the partitions' tasks parse when computed.
#include <glob.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <fcntl.h>
#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "dataframe/frame.hpp"
#include "tessera/bytes.hpp"
#include "tessera/detail/posix_file.hpp"
#include "tessera/run_graph.hpp"

namespace tessera::dataframe {
namespace detail {
namespace {

std::vector<std::string> expand(const std::string& pattern) {
  if (pattern.find_first_of("*?[") == std::string::npos) {
    struct stat info;
    if (::stat(pattern.c_str(), &info) != 0)
      throw std::invalid_argument(
          fmt::format("read_csv: cannot open '{}': {}", pattern, std::strerror(errno)));
    return {pattern};
  }
  glob_t found{};
  const int rc = ::glob(pattern.c_str(), 0, nullptr, &found);
  std::vector<std::string> paths(found.gl_pathv, found.gl_pathv + found.gl_pathc);
  ::globfree(&found);
  if (rc != 0 || paths.empty())
    throw std::invalid_argument(fmt::format("read_csv: no file matches '{}'", pattern));
  std::sort(paths.begin(), paths.end());  // glob sorts too; partitions follow the names
  return paths;
}

std::uint64_t file_size(const std::string& path) {
  struct stat info;
  if (::stat(path.c_str(), &info) != 0)
    throw std::runtime_error(
        fmt::format("read_csv: cannot stat '{}': {}", path, std::strerror(errno)));
  return static_cast<std::uint64_t>(info.st_size);
}

// Dask's default: min(total memory / cpus / 10, 64 MB).
std::uint64_t default_blocksize() {
  const auto pages = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES));
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t cpus = std::max(1u, std::thread::hardware_concurrency());
  return std::max<std::uint64_t>(1, std::min<std::uint64_t>(pages * page / cpus / 10, 64'000'000));
}

// The first row: where it ends (the data begins), its line breaks and its fields.
struct FirstRow {
  std::uint64_t end = 0, lines = 0;
  std::vector<std::string> fields;
};

FirstRow first_row(const std::string& path, std::uint64_t size, const CsvFormat& format) {
  FirstRow row;
  // Blank lines before the header are skipped, as pandas skips them.
  std::uint64_t start = 0;
  {
    const std::string head = read_range(path, 0, std::min<std::uint64_t>(size, 1u << 16));
    while (start < head.size() && (head[start] == '\n' || head[start] == '\r')) ++start;
  }
  bool inside = false;
  for (std::uint64_t at = start; at < size && row.end == 0;) {
    const std::string bytes = read_range(path, at, std::min(size, at + (1u << 16)));
    const BlockScan scan = scan_block(bytes, format.quote);
    const int state = inside ? 1 : 0;
    if (scan.first_row[state] != kNoRow) row.end = at + scan.first_row[state];
    inside = scan.ends_inside[state];
    at += bytes.size();
    if (at == size && row.end == 0) row.end = size;  // one row without a line break
  }
  const std::string bytes = read_range(path, 0, row.end);
  row.lines = std::count(bytes.begin(), bytes.end(), '\n');
  row.fields = read_header(CsvText{bytes, &path, 1}, format);
  return row;
}

}  // namespace

std::string read_range(const std::string& path, std::uint64_t begin, std::uint64_t end) {
  std::string bytes(end - begin, '\0');
  tessera::detail::PosixFile file(path, O_RDONLY);
  const std::int64_t n = file.is_open() ? file.read_at(bytes.data(), bytes.size(), begin) : -1;
  if (n != static_cast<std::int64_t>(bytes.size()))
    throw std::runtime_error(fmt::format("read_csv: cannot read bytes {}..{} of '{}': {}", begin,
                                         end, path, n < 0 ? std::strerror(errno) : "file shrank"));
  return bytes;
}

}  // namespace detail

using namespace detail;

DataFrame read_csv(const std::string& path_or_glob, const CsvOptions& options) {
  auto source = std::make_shared<CsvSource>();
  source->paths = expand(path_or_glob);
  CsvFormat& format = source->format;
  format.sep = options.sep;
  if (options.sep == '"' || options.sep == '\n' || options.sep == '\r')
    throw std::invalid_argument(
        fmt::format("read_csv: separator {:?} is not allowed", options.sep));
  std::vector<std::string> na_values = default_na_values();
  na_values.insert(na_values.end(), options.na_values.begin(), options.na_values.end());
  format.set_na_values(std::move(na_values));
  const std::uint64_t blocksize =
      options.blocksize.empty() ? default_blocksize() : parse_bytes(options.blocksize);
  if (blocksize == 0)
    throw std::invalid_argument("read_csv: blocksize '0' must be at least 1 byte");

  // Headers: every file's must match the first's.
  struct FileLayout {
    std::uint64_t size, data_begin, data_line;
  };
  std::vector<FileLayout> layouts;
  for (const std::string& path : source->paths) {
    const std::uint64_t size = file_size(path);
    FirstRow first = first_row(path, size, format);
    if (options.header && first.fields.empty())
      throw std::invalid_argument(fmt::format("read_csv: '{}' is empty: no header row", path));
    if (!options.header)
      for (std::size_t c = 0; c < first.fields.size(); ++c) first.fields[c] = std::to_string(c);
    if (layouts.empty())
      source->file_columns = first.fields;
    else if (first.fields != source->file_columns && size > 0)
      throw std::invalid_argument(fmt::format(
          "read_csv: the columns of '{}' ({}) differ from those of '{}' ({})", path,
          fmt::join(first.fields, ","), source->paths[0], fmt::join(source->file_columns, ",")));
    layouts.push_back(options.header ? FileLayout{size, first.end, 1 + first.lines}
                                     : FileLayout{size, 0, 1});
  }
  const std::vector<std::string>& names = source->file_columns;
  if (names.empty())
    throw std::invalid_argument(fmt::format("read_csv: '{}' has no columns", path_or_glob));

  // Which columns, and the types given.
  std::vector<std::size_t> use;
  for (std::size_t c = 0; c < names.size(); ++c)
    if (options.usecols.empty() || std::find(options.usecols.begin(), options.usecols.end(),
                                             names[c]) != options.usecols.end())
      use.push_back(c);
  auto unknown = [&](const std::string& name, const char* what) {
    if (std::find(names.begin(), names.end(), name) == names.end())
      throw std::invalid_argument(
          fmt::format("read_csv: {} names column '{}', which is not in '{}' (columns: {})", what,
                      name, source->paths[0], fmt::join(names, ", ")));
  };
  for (const std::string& name : options.usecols) unknown(name, "usecols");
  for (const auto& [name, type] : options.dtype) unknown(name, "dtype");
  bool all_given = true;
  for (std::size_t c : use) all_given = all_given && options.dtype.count(names[c]) > 0;

  // The pass: per block a scan, per file the serial step, per block the types of its rows.
  std::vector<TaskPtr> resolves, infers;
  for (std::size_t f = 0; f < source->paths.size(); ++f) {
    const auto path = std::make_shared<const std::string>(source->paths[f]);
    const FileLayout layout = layouts[f];
    const std::uint64_t blocks =
        std::max<std::uint64_t>(1, (layout.size + blocksize - 1) / blocksize);
    std::vector<TaskPtr> scans;
    for (std::uint64_t b = 0; b < blocks; ++b) {
      const std::uint64_t begin = std::min(layout.size, b * blocksize);
      const std::uint64_t end = std::min(layout.size, begin + blocksize);
      const char quote = format.quote;
      scans.push_back(std::make_shared<const TaskNode>(
          "read-csv-scan", std::vector<TaskPtr>{},
          TaskFunctions::anywhere([path, begin, end, quote](std::span<const Value* const>,
                                                            const TaskContext&) -> Value {
            return scan_block(read_range(*path, begin, end), quote);
          })));
    }
    const TaskPtr resolve = std::make_shared<const TaskNode>(
        "read-csv-rows", scans,
        TaskFunctions::anywhere([layout, blocksize](std::span<const Value* const> inputs,
                                                    const TaskContext&) -> Value {
          std::vector<BlockScan> scans;
          for (const Value* input : inputs) scans.push_back(input->get<BlockScan>());
          return resolve_rows(scans, blocksize, layout.size, layout.data_begin, layout.data_line);
        }));
    resolves.push_back(resolve);
    if (all_given) continue;
    for (std::uint64_t b = 0; b < blocks; ++b)
      infers.push_back(std::make_shared<const TaskNode>(
          "read-csv-types", std::vector<TaskPtr>{resolve},
          TaskFunctions::anywhere(
              [path, b, source, columns = names.size()](std::span<const Value* const> inputs,
                                                        const TaskContext&) -> Value {
                const RowRange rows = inputs[0]->get<std::vector<RowRange>>()[b];
                const std::string bytes = read_range(*path, rows.begin, rows.end);
                return infer_kinds(CsvText{bytes, path.get(), rows.line}, source->format, columns);
              })));
  }
  std::vector<TaskPtr> outputs = resolves;
  outputs.insert(outputs.end(), infers.begin(), infers.end());
  const auto computation = run_graph(outputs);

  std::vector<FieldKind> kinds(names.size(), FieldKind::missing);
  for (std::size_t k = resolves.size(); k < outputs.size(); ++k) {
    const auto& block = computation->output(k).get<std::vector<FieldKind>>();
    for (std::size_t c = 0; c < kinds.size(); ++c) kinds[c] = widen(kinds[c], block[c]);
  }
  for (std::size_t f = 0; f < resolves.size(); ++f)
    for (const RowRange& rows : computation->output(f).get<std::vector<RowRange>>())
      if (rows.end > rows.begin) source->partitions.push_back({f, rows});

  auto frame = std::make_shared<Frame>();
  for (std::size_t c : use) {
    frame->source_schema.names.push_back(names[c]);
    const auto given = options.dtype.find(names[c]);
    frame->source_schema.types.push_back(given != options.dtype.end() ? given->second
                                                                      : column_type(kinds[c]));
  }
  frame->schema = frame->source_schema;
  frame->csv = std::move(source);
  return DataFrame(std::move(frame));
}

}  // namespace tessera::dataframe
