#include "tessera/dataframe/datasets.hpp"

#include <fmt/format.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>

namespace tessera::dataframe::datasets {
namespace {

// The bytes depend only on the seed: SplitMix64 (Steele, Lea, Flood 2014) for the bits, and
// Lemire's multiply-and-reject for integers in a range, never the standard library's
// distributions, whose outputs differ between implementations.
class SplitMix64 {
 public:
  explicit SplitMix64(std::uint64_t seed) : state_(seed) {}

  std::uint64_t next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  /// Uniform in [0, n), unbiased; n > 0.
  std::uint64_t below(std::uint64_t n) {
    unsigned __int128 m = static_cast<unsigned __int128>(next()) * n;
    auto low = static_cast<std::uint64_t>(m);
    if (low < n) {
      const std::uint64_t threshold = -n % n;  // 2^64 mod n
      while (low < threshold) {
        m = static_cast<unsigned __int128>(next()) * n;
        low = static_cast<std::uint64_t>(m);
      }
    }
    return static_cast<std::uint64_t>(m >> 64);
  }

  /// Uniform in [lo, hi]; lo <= hi.
  std::uint64_t between(std::uint64_t lo, std::uint64_t hi) { return lo + below(hi - lo + 1); }

 private:
  std::uint64_t state_;
};

// The missing-value mask draws from its own stream, so the values that stay are those of the
// same seed without missing values.
constexpr std::uint64_t kMaskStream = 0xd1b54a32d192ed03ULL;

void append(char*& out, std::uint64_t value) {
  out = std::to_chars(out, out + 20, value).ptr;
}

void append(char*& out, const char* text, std::size_t size) {
  std::memcpy(out, text, size);
  out += size;
}

/// `value` with leading zeros to at least `width` digits, as %0*d prints it.
void append_padded(char*& out, std::uint64_t value, int width) {
  char digits[20];
  const auto size = static_cast<int>(std::to_chars(digits, digits + 20, value).ptr - digits);
  for (int i = size; i < width; ++i) *out++ = '0';
  append(out, digits, static_cast<std::size_t>(size));
}

/// micros / 10^6 with 6 decimals: what %.6f prints for the value rounded to 6 decimals.
void append_micros(char*& out, std::uint64_t micros) {
  append(out, micros / 1'000'000);
  *out++ = '.';
  append_padded(out, micros % 1'000'000, 6);
}

/// Lines go into a buffer written to the file in 1 MiB pieces. A line is at most kMaxLine bytes.
class CsvFile {
 public:
  static constexpr std::size_t kPiece = std::size_t{1} << 20;
  static constexpr std::size_t kMaxLine = 1024;

  CsvFile(const char* function, const std::string& path)
      : function_(function), path_(path), buffer_(kPiece + kMaxLine, '\0') {
    file_ = std::fopen(path.c_str(), "wb");
    if (file_ == nullptr) fail(errno);
    std::setvbuf(file_, nullptr, _IONBF, 0);  // the pieces are already large
    cursor = buffer_.data();
  }
  CsvFile(const CsvFile&) = delete;
  CsvFile& operator=(const CsvFile&) = delete;
  ~CsvFile() {
    if (file_ != nullptr) std::fclose(file_);
  }

  /// Where the next line goes: at least kMaxLine bytes are free there.
  char* cursor;

  /// Writes the buffer out once it holds a piece; call after each line.
  void line_done() {
    if (static_cast<std::size_t>(cursor - buffer_.data()) >= kPiece) flush();
  }

  void close() {
    flush();
    std::FILE* file = file_;
    file_ = nullptr;
    if (std::fclose(file) != 0) fail(errno);
  }

 private:
  void flush() {
    const auto size = static_cast<std::size_t>(cursor - buffer_.data());
    errno = 0;
    if (size > 0 && std::fwrite(buffer_.data(), 1, size, file_) != size) fail(errno);
    cursor = buffer_.data();
  }

  [[noreturn]] void fail(int error) const {
    throw std::runtime_error(fmt::format("{}: cannot write '{}': {}", function_, path_,
                                         error != 0 ? std::strerror(error) : "I/O error"));
  }

  const char* function_;
  std::string path_;
  std::string buffer_;
  std::FILE* file_ = nullptr;
};

}  // namespace

void write_groupby_csv(const std::string& path, const GroupbyOptions& options) {
  constexpr const char* function = "write_groupby_csv";
  if (options.rows < 0)
    throw std::invalid_argument(fmt::format("{}: rows {} must be >= 0", function, options.rows));
  if (options.groups < 1)
    throw std::invalid_argument(
        fmt::format("{}: groups {} must be >= 1", function, options.groups));
  if (!(options.missing >= 0.0 && options.missing < 1.0))  // NaN too
    throw std::invalid_argument(
        fmt::format("{}: missing {} must be in [0, 1)", function, options.missing));

  const auto rows = static_cast<std::uint64_t>(options.rows);
  const auto k = static_cast<std::uint64_t>(options.groups);
  const std::uint64_t n_over_k = rows / k > 0 ? rows / k : 1;
  // A field is missing when a draw is below missing * 2^64 (exact: a power-of-2 scaling of a
  // double below 1 is below 2^64).
  const bool with_missing = options.missing > 0.0;
  const auto missing_below = static_cast<std::uint64_t>(std::ldexp(options.missing, 64));

  SplitMix64 values(options.seed);
  SplitMix64 mask(options.seed ^ kMaskStream);
  CsvFile file(function, path);
  {
    static constexpr char header[] = "id1,id2,id3,id4,id5,id6,v1,v2,v3\n";
    append(file.cursor, header, sizeof header - 1);
  }
  for (std::uint64_t row = 0; row < rows; ++row) {
    char* out = file.cursor;
    const std::uint64_t fields[9] = {
        values.between(1, k), values.between(1, k),  values.between(1, n_over_k),
        values.between(1, k), values.between(1, k),  values.between(1, n_over_k),
        values.between(1, 5), values.between(1, 15), values.below(100'000'000),
    };
    for (int column = 0; column < 9; ++column) {
      if (column > 0) *out++ = ',';
      if (with_missing && mask.next() < missing_below) continue;
      const std::uint64_t value = fields[column];
      switch (column) {
        case 0:
        case 1:
          append(out, "id", 2);
          append_padded(out, value, 3);
          break;
        case 2:
          append(out, "id", 2);
          append_padded(out, value, 10);
          break;
        case 8:
          append_micros(out, value);
          break;
        default:
          append(out, value);
      }
    }
    *out++ = '\n';
    file.cursor = out;
    file.line_done();
  }
  file.close();
}

void write_tutorial_csv(const std::string& path, const TutorialOptions& options) {
  constexpr const char* function = "write_tutorial_csv";
  if (options.rows < 0)
    throw std::invalid_argument(fmt::format("{}: rows {} must be >= 0", function, options.rows));
  if (options.categories < 1)
    throw std::invalid_argument(
        fmt::format("{}: categories {} must be >= 1", function, options.categories));

  const auto rows = static_cast<std::uint64_t>(options.rows);
  const auto categories = static_cast<std::uint64_t>(options.categories);
  SplitMix64 values(options.seed);
  CsvFile file(function, path);
  {
    static constexpr char header[] = "id,column,category,value\n";
    append(file.cursor, header, sizeof header - 1);
  }
  for (std::uint64_t row = 0; row < rows; ++row) {
    char* out = file.cursor;
    const std::uint64_t column = values.below(20);
    const std::uint64_t category = values.below(categories);
    const std::uint64_t micros = values.below(1'000'000);
    append(out, row);
    *out++ = ',';
    append(out, column);
    append(out, ",cat", 4);
    append(out, category);
    *out++ = ',';
    append_micros(out, micros);
    *out++ = '\n';
    file.cursor = out;
    file.line_done();
  }
  file.close();
}

}  // namespace tessera::dataframe::datasets
