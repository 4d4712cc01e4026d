#include "tessera/npy.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/stat.h>

#include <algorithm>
#include <bit>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "array/checked_count.hpp"
#include "io/npy_layout.hpp"
#include "tessera/detail/npy_writer.hpp"
#include "tessera/detail/posix_file.hpp"

namespace tessera {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr std::size_t kMagicLen = 6;
constexpr std::size_t kAlign = 64;
constexpr bool kLittleHost = std::endian::native == std::endian::little;

std::string os_error(int saved_errno) {
  return saved_errno != 0 ? std::strerror(saved_errno) : "I/O error";
}

detail::PosixFile open_for_reading(const std::string& path) {
  detail::PosixFile file(path, O_RDONLY);
  if (!file.is_open())
    throw std::runtime_error(fmt::format("cannot read '{}': {}", path, os_error(errno)));
  return file;
}

/// The descr this machine writes.
std::string_view native_descr(DType dtype) {
  switch (dtype) {
    case DType::boolean:
      return "|b1";
    case DType::int64:
      return kLittleHost ? "<i8" : ">i8";
    case DType::float32:
      return kLittleHost ? "<f4" : ">f4";
    case DType::float64:
      break;
  }
  return kLittleHost ? "<f8" : ">f8";
}

std::string shape_repr(const Shape& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

/// The full header (magic through the final '\n') for a C-order array.
std::string make_header(const Shape& shape, DType dtype) {
  const std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}",
                                       native_descr(dtype), shape_repr(shape));
  for (int version = 1; version <= 2; ++version) {
    const std::size_t prefix = kMagicLen + 2 + (version == 1 ? 2 : 4);
    const std::size_t unpadded = prefix + dict.size() + 1;  // + '\n'
    const std::size_t padding = (kAlign - unpadded % kAlign) % kAlign;
    const std::size_t header_len = dict.size() + padding + 1;
    if (version == 1 && header_len > 0xFFFF) continue;
    std::string out(kMagic, kMagicLen);
    out.push_back(static_cast<char>(version));
    out.push_back('\0');
    for (std::size_t i = 0; i < prefix - kMagicLen - 2; ++i)
      out.push_back(static_cast<char>((header_len >> (8 * i)) & 0xFF));
    out += dict;
    out.append(padding, ' ');
    out.push_back('\n');
    return out;
  }
  throw std::length_error("npy header too long");  // unreachable: version 2 takes 4 GiB
}

// ---- Header dict parsing: {'key': value, ...} with string, True/False and int-tuple values. ----

struct DictValue {
  enum class Kind { string, boolean, integer, tuple } kind = Kind::string;
  std::string text;  ///< the value as written, for messages
  std::string str;
  bool boolean = false;
  std::int64_t integer = 0;
  Shape tuple;
};

class HeaderParser {
 public:
  HeaderParser(std::string_view text, const std::string& path) : text_(text), path_(path) {}

  /// Parses the dict; returns (key, value) pairs in file order.
  std::vector<std::pair<std::string, DictValue>> parse() {
    std::vector<std::pair<std::string, DictValue>> entries;
    skip_ws();
    expect('{');
    skip_ws();
    while (peek() != '}') {
      const std::size_t key_start = pos_;
      if (peek() != '\'' && peek() != '"') fail("expected a quoted key", key_start);
      std::string key = parse_string();
      skip_ws();
      expect(':');
      skip_ws();
      if (key == "descr" && peek() != '\'' && peek() != '"')
        throw std::invalid_argument(fmt::format(
            "read_npy: '{}': unsupported descr {} (structured dtypes are not supported; "
            "Tessera reads '<f8', '<f4', '<i8', '|b1')",
            path_, raw_value()));
      DictValue value = parse_value();
      entries.emplace_back(std::move(key), std::move(value));
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        skip_ws();
      } else if (peek() != '}') {
        fail("expected ',' or '}'", pos_);
      }
    }
    ++pos_;
    skip_ws();
    if (pos_ != text_.size()) fail("unexpected text after the dict", pos_);
    return entries;
  }

 private:
  char peek() const { return pos_ < text_.size() ? text_[pos_] : '\0'; }

  [[noreturn]] void fail(std::string_view what, std::size_t at) const {
    constexpr std::size_t kShow = 200;
    std::string shown(text_.substr(0, kShow));
    while (!shown.empty() && (shown.back() == ' ' || shown.back() == '\n')) shown.pop_back();
    throw std::invalid_argument(
        fmt::format("read_npy: '{}': malformed .npy header ({} at offset {}): {}{}", path_, what,
                    at, shown, text_.size() > kShow ? "..." : ""));
  }

  void skip_ws() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  void expect(char c) {
    if (peek() != c) fail(fmt::format("expected '{}'", c), pos_);
    ++pos_;
  }

  std::string parse_string() {
    const char quote = text_[pos_++];
    const std::size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      if (text_[pos_] == '\\' || text_[pos_] == '\n') fail("escape or newline in a string", pos_);
      ++pos_;
    }
    if (pos_ >= text_.size()) fail("unterminated string", start - 1);
    return std::string(text_.substr(start, pos_++ - start));
  }

  /// The text of the value starting at pos_, up to the ',' or '}' that ends it (for messages).
  std::string raw_value() const {
    int depth = 0;
    std::size_t end = pos_;
    for (; end < text_.size(); ++end) {
      const char c = text_[end];
      if (c == '(' || c == '[' || c == '{') ++depth;
      if (c == ')' || c == ']' || c == '}') {
        if (depth == 0) break;
        --depth;
      }
      if (c == ',' && depth == 0) break;
    }
    std::string raw(text_.substr(pos_, std::min<std::size_t>(end - pos_, 200)));
    while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n')) raw.pop_back();
    return raw;
  }

  std::int64_t parse_int() {
    const std::size_t start = pos_;
    bool negative = false;
    if (peek() == '-' || peek() == '+') negative = text_[pos_++] == '-';
    if (peek() < '0' || peek() > '9') fail("expected an integer", start);
    std::int64_t value = 0;
    while (peek() >= '0' && peek() <= '9') {
      if (__builtin_mul_overflow(value, 10, &value) ||
          __builtin_add_overflow(value, text_[pos_] - '0', &value))
        fail("integer out of range", start);
      ++pos_;
    }
    if (peek() == 'L' || peek() == 'l') ++pos_;  // Python 2 longs in old files
    return negative ? -value : value;
  }

  DictValue parse_value() {
    DictValue value;
    value.text = raw_value();
    const std::size_t start = pos_;
    const char c = peek();
    if (c == '\'' || c == '"') {
      value.kind = DictValue::Kind::string;
      value.str = parse_string();
    } else if (c == '(') {
      value.kind = DictValue::Kind::tuple;
      ++pos_;
      skip_ws();
      bool trailing_comma = false;
      while (peek() != ')') {
        const std::int64_t extent = parse_int();
        if (extent < 0)
          throw std::invalid_argument(
              fmt::format("read_npy: '{}': invalid shape extent {}", path_, extent));
        value.tuple.push_back(extent);
        skip_ws();
        trailing_comma = false;
        if (peek() == ',') {
          ++pos_;
          skip_ws();
          trailing_comma = true;
        } else if (peek() != ')') {
          fail("expected ',' or ')' in the shape", pos_);
        }
      }
      ++pos_;
      // (3) is the integer 3 in Python, not a tuple.
      if (value.tuple.size() == 1 && !trailing_comma)
        fail("a one-element shape needs a trailing comma", start);
    } else if ((c >= '0' && c <= '9') || c == '-' || c == '+') {
      value.kind = DictValue::Kind::integer;
      value.integer = parse_int();
    } else {
      std::size_t end = pos_;
      while (end < text_.size() &&
             (std::isalnum(static_cast<unsigned char>(text_[end])) || text_[end] == '_'))
        ++end;
      const std::string_view word = text_.substr(pos_, end - pos_);
      if (word != "True" && word != "False")
        fail(fmt::format("unexpected value {}", value.text), start);
      value.kind = DictValue::Kind::boolean;
      value.boolean = word == "True";
      pos_ = end;
    }
    return value;
  }

  std::string_view text_;
  const std::string& path_;
  std::size_t pos_ = 0;
};

/// Maps a descr to a dtype and whether its data needs byteswapping here.
std::pair<DType, bool> parse_descr(const std::string& descr, const std::string& path) {
  std::string_view code = descr;
  char order = '=';
  if (!code.empty() && (code[0] == '<' || code[0] == '>' || code[0] == '=' || code[0] == '|')) {
    order = code[0];
    code.remove_prefix(1);
  }
  std::optional<DType> dtype;
  if (code == "b1" || code == "?")
    dtype = DType::boolean;
  else if (code == "i8")
    dtype = DType::int64;
  else if (code == "f4")
    dtype = DType::float32;
  else if (code == "f8")
    dtype = DType::float64;
  if (!dtype)
    throw std::invalid_argument(fmt::format(
        "read_npy: '{}': unsupported dtype descr '{}' (Tessera reads '<f8', '<f4', '<i8', '|b1')",
        path, descr));
  bool swap = false;
  if (*dtype != DType::boolean) {
    if (order == '<') swap = !kLittleHost;
    if (order == '>') swap = kLittleHost;
  }
  return {*dtype, swap};
}

/// Reads exactly n bytes or throws (truncated file → invalid_argument, OS error → runtime_error).
void read_exact(const detail::PosixFile& file, void* out, std::size_t n, const std::string& path,
                std::string_view what) {
  const std::int64_t got = file.read(out, n);
  if (got == static_cast<std::int64_t>(n)) return;
  if (got < 0) throw std::runtime_error(fmt::format("cannot read '{}': {}", path, os_error(errno)));
  throw std::invalid_argument(fmt::format(
      "read_npy: '{}': truncated .npy file: {} needs {} bytes, only {} left", path, what, n, got));
}

/// Size of a regular file, or nullopt for pipes and devices.
std::optional<std::uint64_t> regular_file_size(const detail::PosixFile& file) {
  struct stat st {};
  if (::fstat(file.fd(), &st) != 0 || !S_ISREG(st.st_mode)) return std::nullopt;
  return static_cast<std::uint64_t>(st.st_size);
}

NpyHeader parse_header(const detail::PosixFile& file, const std::string& path) {
  unsigned char prefix[kMagicLen + 2];
  const std::int64_t count = file.read(prefix, sizeof prefix);
  if (count < 0)
    throw std::runtime_error(fmt::format("cannot read '{}': {}", path, os_error(errno)));
  const auto got = static_cast<std::size_t>(count);
  if (std::memcmp(prefix, kMagic, std::min(got, kMagicLen)) != 0 || got == 0) {
    std::string shown;
    for (std::size_t i = 0; i < std::min(got, kMagicLen); ++i)
      shown += prefix[i] >= 0x20 && prefix[i] < 0x7f && prefix[i] != '\\' && prefix[i] != '\''
                   ? std::string(1, static_cast<char>(prefix[i]))
                   : fmt::format("\\x{:02x}", prefix[i]);
    throw std::invalid_argument(fmt::format(
        "read_npy: '{}': not a .npy file: bad magic b'{}' (expected b'\\x93NUMPY')", path, shown));
  }
  if (got < sizeof prefix)
    throw std::invalid_argument(
        fmt::format("read_npy: '{}': truncated .npy file: {} bytes, no header", path, got));

  NpyHeader header;
  const unsigned major = prefix[kMagicLen], minor = prefix[kMagicLen + 1];
  if (major < 1 || major > 3 || minor != 0)
    throw std::invalid_argument(
        fmt::format("read_npy: '{}': unsupported .npy format version {}.{} (reads 1.0, 2.0, 3.0)",
                    path, major, minor));
  header.version_major = static_cast<int>(major);

  const std::size_t len_bytes = major == 1 ? 2 : 4;
  unsigned char len_raw[4] = {};
  read_exact(file, len_raw, len_bytes, path, "the header length");
  std::size_t header_len = 0;
  for (std::size_t i = 0; i < len_bytes; ++i) header_len |= std::size_t{len_raw[i]} << (8 * i);
  header.data_offset = sizeof prefix + len_bytes + header_len;
  if (auto size = regular_file_size(file); size && header.data_offset > *size)
    throw std::invalid_argument(
        fmt::format("read_npy: '{}': truncated .npy file: header length {} runs past the end of "
                    "the file ({} bytes)",
                    path, header_len, *size));
  std::string text(header_len, '\0');
  read_exact(file, text.data(), header_len, path, "the header");

  bool have_descr = false, have_order = false, have_shape = false;
  for (auto& [key, value] : HeaderParser(text, path).parse()) {
    bool* seen = key == "descr"           ? &have_descr
                 : key == "fortran_order" ? &have_order
                 : key == "shape"         ? &have_shape
                                          : nullptr;
    if (!seen)
      throw std::invalid_argument(
          fmt::format("read_npy: '{}': unexpected key '{}' in the .npy header", path, key));
    if (*seen)
      throw std::invalid_argument(
          fmt::format("read_npy: '{}': duplicate key '{}' in the .npy header", path, key));
    *seen = true;
    if (key == "descr") {
      if (value.kind != DictValue::Kind::string)
        throw std::invalid_argument(
            fmt::format("read_npy: '{}': unsupported descr {}", path, value.text));
      std::tie(header.dtype, header.byteswapped) = parse_descr(value.str, path);
    } else if (key == "fortran_order") {
      if (value.kind != DictValue::Kind::boolean)
        throw std::invalid_argument(fmt::format(
            "read_npy: '{}': fortran_order must be True or False, not {}", path, value.text));
      header.fortran_order = value.boolean;
    } else {
      if (value.kind != DictValue::Kind::tuple)
        throw std::invalid_argument(fmt::format(
            "read_npy: '{}': shape must be a tuple of integers, not {}", path, value.text));
      header.shape = std::move(value.tuple);
    }
  }
  for (auto [seen, key] : {std::pair{have_descr, "descr"}, std::pair{have_order, "fortran_order"},
                           std::pair{have_shape, "shape"}})
    if (!seen)
      throw std::invalid_argument(
          fmt::format("read_npy: '{}': the .npy header has no '{}' key", path, key));
  if (!detail::checked_nbytes(header.shape, header.dtype))
    throw std::invalid_argument(
        fmt::format("read_npy: '{}': shape {} is too large", path, shape_repr(header.shape)));
  // Checked on opening, not when a chunk task first reads past the end: a header can promise
  // terabytes that a 100-byte file does not hold.
  if (auto size = regular_file_size(file); size && *size - header.data_offset < header.nbytes())
    throw std::invalid_argument(fmt::format(
        "read_npy: '{}': truncated .npy file: shape {} {} needs {} data bytes, the file has {} "
        "({} bytes in all)",
        path, shape_repr(header.shape), dtype_name(header.dtype), header.nbytes(),
        *size - header.data_offset, *size));
  return header;
}

template <std::size_t N>
void byteswap_all(void* data, std::int64_t count) {
  auto* bytes = static_cast<unsigned char*>(data);
  for (std::int64_t i = 0; i < count; ++i, bytes += N)
    for (std::size_t j = 0; j < N / 2; ++j) std::swap(bytes[j], bytes[N - 1 - j]);
}

/// Copies column-major `src` of logical `shape` into row-major `dst`.
template <std::size_t N>
void fortran_to_c(const unsigned char* src, unsigned char* dst, const Shape& shape) {
  const std::size_t ndim = shape.size();
  std::vector<std::int64_t> stride(ndim), index(ndim, 0);  // source strides in elements
  std::int64_t s = 1;
  for (std::size_t k = 0; k < ndim; ++k) {
    stride[k] = s;
    s *= shape[k];
  }
  const std::int64_t inner = shape[ndim - 1], inner_stride = stride[ndim - 1];
  std::int64_t offset = 0;  // source element of index[0..ndim-2], 0
  const std::int64_t rows = s / inner;
  for (std::int64_t row = 0; row < rows; ++row) {
    for (std::int64_t i = 0; i < inner; ++i, dst += N)
      std::memcpy(dst, src + (offset + i * inner_stride) * N, N);
    for (std::size_t k = ndim - 1; k-- > 0;) {
      offset += stride[k];
      if (++index[k] < shape[k]) break;
      offset -= shape[k] * stride[k];
      index[k] = 0;
    }
  }
}

}  // namespace

std::int64_t NpyHeader::size() const {
  std::int64_t n = 1;
  for (std::int64_t extent : shape) n *= extent;
  return n;
}

NpyHeader read_npy_header(const std::string& path) {
  return parse_header(open_for_reading(path), path);
}

void npy_to_native(void* data, std::int64_t count, DType dtype, bool byteswapped) {
  if (byteswapped) {
    if (dtype_size(dtype) == 8)
      byteswap_all<8>(data, count);
    else if (dtype_size(dtype) == 4)
      byteswap_all<4>(data, count);
  }
  if (dtype == DType::boolean) {
    auto* bytes = static_cast<unsigned char*>(data);
    for (std::int64_t i = 0; i < count; ++i) bytes[i] = bytes[i] != 0;
  }
}

NDArray read_npy(const std::string& path) {
  const detail::PosixFile file = open_for_reading(path);
  const NpyHeader header = parse_header(file, path);
  const std::int64_t count = header.size();
  const std::size_t nbytes = header.nbytes();

  const bool transpose = header.fortran_order && header.shape.size() >= 2 && count > 0;
  NDArray out, stored;
  try {
    out = NDArray(header.shape, header.dtype);
    stored = transpose ? NDArray(header.shape, header.dtype) : out;
  } catch (const std::bad_alloc&) {
    throw std::runtime_error(fmt::format(
        "read_npy: '{}': shape {} {} ({} bytes{}) does not fit in memory; from_npy reads it chunk "
        "by chunk",
        path, shape_repr(header.shape), dtype_name(header.dtype), nbytes,
        transpose ? ", twice to reorder it from Fortran order" : ""));
  }
  read_exact(file, stored.raw(), nbytes, path, "the data");
  npy_to_native(stored.raw(), count, header.dtype, header.byteswapped);
  if (transpose) fortran_to_row_major(stored.raw(), out.raw(), header.shape, header.dtype);
  return out;
}

void fortran_to_row_major(const void* column_major, void* row_major, const Shape& shape,
                          DType dtype) {
  const auto* src = static_cast<const unsigned char*>(column_major);
  auto* dst = static_cast<unsigned char*>(row_major);
  std::int64_t count = 1;
  for (std::int64_t extent : shape) count *= extent;
  if (shape.size() < 2 || count == 0) {  // the same order
    std::memcpy(dst, src, static_cast<std::size_t>(count) * dtype_size(dtype));
    return;
  }
  switch (dtype_size(dtype)) {
    case 1:
      return fortran_to_c<1>(src, dst, shape);
    case 4:
      return fortran_to_c<4>(src, dst, shape);
    default:
      return fortran_to_c<8>(src, dst, shape);
  }
}

void write_npy(const std::string& path, const NDArray& array) {
  if (array.raw() == nullptr && array.nbytes() > 0)
    throw std::invalid_argument(fmt::format("write_npy: '{}': the array has no data", path));
  NpyWriter writer(path, array.shape(), array.dtype());
  writer.write(array.raw(), array.nbytes());
  writer.close();
}

// ---- NpyWriter ----

NpyWriter::NpyWriter(const std::string& path, Shape shape, DType dtype) : path_(path) {
  for (std::int64_t extent : shape)
    if (extent < 0)
      throw std::invalid_argument(
          fmt::format("NpyWriter '{}': invalid shape: negative extent {}", path, extent));
  const auto bytes = detail::checked_nbytes(shape, dtype);
  if (!bytes)
    throw std::invalid_argument(
        fmt::format("NpyWriter '{}': shape {} is too large", path, shape_repr(shape)));
  expected_ = static_cast<std::size_t>(*bytes);
  const std::string header = make_header(shape, dtype);
  // 0666 less the umask, as np.save (and fopen) create files.
  file_ = detail::PosixFile(path, O_WRONLY | O_CREAT | O_TRUNC, 0666);
  if (!file_.is_open() || !file_.write_all(header.data(), header.size()))
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path, os_error(errno)));
}

void NpyWriter::write(const void* bytes, std::size_t n) {
  if (!file_.is_open())
    throw std::logic_error(fmt::format("NpyWriter '{}': write after close", path_));
  if (n > expected_ - written_)
    throw std::length_error(fmt::format(
        "NpyWriter '{}': writing {} bytes after {} would exceed the {} bytes the shape promises",
        path_, n, written_, expected_));
  if (!file_.write_all(bytes, n))
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path_, os_error(errno)));
  written_ += n;
}

void NpyWriter::close() {
  if (!file_.is_open()) return;
  detail::PosixFile file = std::move(file_);
  if (written_ != expected_)
    throw std::length_error(
        fmt::format("NpyWriter '{}': closed after {} of the {} data bytes the shape promises",
                    path_, written_, expected_));
  if (!file.close())
    throw std::runtime_error(fmt::format("cannot write '{}': {}", path_, os_error(errno)));
}

}  // namespace tessera
