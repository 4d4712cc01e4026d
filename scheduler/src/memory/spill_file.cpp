#include "spill_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/stat.h>

#if TESSERA_HAVE_LZ4
#include <lz4.h>
#endif

#include <cerrno>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

#include "tessera/detail/posix_file.hpp"
#include "tessera/npy.hpp"

namespace tessera::detail {
namespace {

// A compressed file: this magic, the chunk's byte count (little-endian u64), then one LZ4 block.
constexpr char kLz4Magic[8] = {'T', 'E', 'S', 'S', 'L', 'Z', '4', '\0'};
constexpr std::size_t kLz4HeaderBytes = 16;

// Compression must save at least this fraction of the bytes to be worth a decompression on
// every read (a raw file is mapped, which costs nothing up front).
constexpr double kPaysBelowRatio = 0.8;
constexpr std::size_t kSampleBytes = 64 * 1024;

[[noreturn]] void fail_io(const char* what, const std::string& path) {
  throw std::runtime_error(
      fmt::format("cannot {} spill file '{}': {}", what, path, std::strerror(errno)));
}

[[noreturn]] void fail_truncated(const std::string& path, std::uint64_t got,
                                 std::uint64_t expected) {
  throw std::runtime_error(
      fmt::format("spill file '{}' is truncated: {} of {} bytes", path, got, expected));
}

#if TESSERA_HAVE_LZ4
// The LZ4 block of `data`, or empty when it would not shrink below `ratio` of the input.
std::vector<char> compress(const char* data, std::size_t n, double ratio) {
  std::vector<char> out(static_cast<std::size_t>(LZ4_compressBound(static_cast<int>(n))));
  const int size =
      LZ4_compress_default(data, out.data(), static_cast<int>(n), static_cast<int>(out.size()));
  if (size <= 0 || static_cast<double>(size) > ratio * static_cast<double>(n)) return {};
  out.resize(static_cast<std::size_t>(size));
  return out;
}

SpillFile write_lz4(const std::string& path, std::uint64_t nbytes, const std::vector<char>& block) {
  PosixFile file(path, O_WRONLY | O_CREAT | O_TRUNC);
  if (!file.is_open()) fail_io("create", path);
  char header[kLz4HeaderBytes];
  std::memcpy(header, kLz4Magic, sizeof kLz4Magic);
  for (int b = 0; b < 8; ++b) header[8 + b] = static_cast<char>((nbytes >> (8 * b)) & 0xff);
  if (!file.write_all(header, sizeof header) || !file.write_all(block.data(), block.size()))
    fail_io("write", path);
  if (!file.close()) fail_io("close", path);
  return {path, kLz4HeaderBytes, kLz4HeaderBytes + block.size(), true};
}

#endif

std::shared_ptr<NDArray> map_raw(const SpillFile& file, const Shape& shape, DType dtype,
                                 std::uint64_t nbytes) {
  // Mapped, not read: no copy and no zero-filled pages; MAP_PRIVATE keeps the file unchanged if
  // the caller writes to the array.
  const PosixFile opened(file.path, O_RDONLY);
  if (!opened.is_open()) fail_io("open", file.path);
  const std::size_t length = file.data_offset + nbytes;
  // Pages mapped past the end of a file that someone else truncated raise SIGBUS when read,
  // which would end the process: a short file is an error here instead. (One truncated while
  // its chunk is in use can still fault; nothing but a copy could prevent that.)
  struct stat info {};
  if (::fstat(opened.fd(), &info) != 0) fail_io("inspect", file.path);
  if (static_cast<std::uint64_t>(info.st_size) < length)
    fail_truncated(file.path, static_cast<std::uint64_t>(info.st_size), length);
  // The mapping outlives the descriptor (closed on return).
  void* base = length ? ::mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, opened.fd(), 0)
                      : nullptr;
  if (base == MAP_FAILED) fail_io("map", file.path);
  std::shared_ptr<void> owner(base, [length](void* p) {
    if (p) ::munmap(p, length);
  });
  return std::make_shared<NDArray>(shape, dtype, owner,
                                   static_cast<char*>(base) + file.data_offset);
}

#if TESSERA_HAVE_LZ4
std::shared_ptr<NDArray> decompress(const SpillFile& file, const Shape& shape, DType dtype,
                                    std::uint64_t nbytes) {
  const PosixFile opened(file.path, O_RDONLY);
  if (!opened.is_open()) fail_io("open", file.path);
  std::vector<char> bytes(file.file_bytes);
  const std::int64_t got = opened.read_at(bytes.data(), bytes.size(), 0);
  if (got < 0) fail_io("read", file.path);
  if (static_cast<std::size_t>(got) < bytes.size())
    fail_truncated(file.path, static_cast<std::uint64_t>(got), bytes.size());
  std::uint64_t recorded = 0;
  for (int b = 0; b < 8; ++b)
    recorded |= static_cast<std::uint64_t>(static_cast<unsigned char>(bytes[8 + b])) << (8 * b);
  if (std::memcmp(bytes.data(), kLz4Magic, sizeof kLz4Magic) != 0 || recorded != nbytes)
    throw std::runtime_error(fmt::format(
        "spill file '{}' is not the LZ4 chunk of {} bytes written there", file.path, nbytes));
  auto array = std::make_shared<NDArray>(shape, dtype);
  const int size = LZ4_decompress_safe(
      bytes.data() + kLz4HeaderBytes, static_cast<char*>(array->raw()),
      static_cast<int>(bytes.size() - kLz4HeaderBytes), static_cast<int>(nbytes));
  if (size < 0 || static_cast<std::uint64_t>(size) != nbytes)
    throw std::runtime_error(fmt::format(
        "spill file '{}' is corrupt: LZ4 gave {} bytes, expected {}", file.path, size, nbytes));
  return array;
}

#else
// Nothing writes compressed files in a build without LZ4, and spill files live only as long as
// the cluster that wrote them.
std::shared_ptr<NDArray> decompress(const SpillFile& file, const Shape&, DType, std::uint64_t) {
  throw std::runtime_error(fmt::format(
      "spill file '{}' is LZ4-compressed, but this Tessera was built without LZ4", file.path));
}
#endif

#if TESSERA_HAVE_LZ4
// The chunk as an LZ4 file when `compression` asks for it and, for "auto", a trial on its first
// bytes shows that it pays; nullopt otherwise.
std::optional<SpillFile> try_write_lz4(const std::string& stem, const NDArray& array,
                                       SpillCompression compression) {
  const std::size_t n = array.nbytes();
  const char* data = static_cast<const char*>(array.raw());
  const bool fits_lz4 = n > 0 && n <= static_cast<std::size_t>(LZ4_MAX_INPUT_SIZE);
  if (!fits_lz4 || compression == SpillCompression::none) return std::nullopt;
  const double ratio = compression == SpillCompression::lz4 ? 1.0 : kPaysBelowRatio;
  const bool trial_pays = compression == SpillCompression::lz4 || n <= kSampleBytes ||
                          !compress(data, kSampleBytes, kPaysBelowRatio).empty();
  if (!trial_pays) return std::nullopt;
  const std::vector<char> block = compress(data, n, ratio);
  if (block.empty()) return std::nullopt;
  return write_lz4(stem + ".lz4", n, block);
}
#else
// parse_spill_compression refuses "lz4" in a build without LZ4; "auto" means uncompressed.
std::optional<SpillFile> try_write_lz4(const std::string&, const NDArray&, SpillCompression) {
  return std::nullopt;
}
#endif

}  // namespace

SpillFile write_spill_file(const std::string& stem, const NDArray& array,
                           SpillCompression compression) {
  const std::size_t n = array.nbytes();
  if (auto compressed = try_write_lz4(stem, array, compression)) return *compressed;
  const std::string path = stem + ".npy";
  write_npy(path, array);
  const std::size_t offset = read_npy_header(path).data_offset;
  return {path, offset, offset + n, false};
}

std::shared_ptr<NDArray> read_spill_file(const SpillFile& file, const Shape& shape, DType dtype,
                                         std::uint64_t nbytes) {
  return file.compressed ? decompress(file, shape, dtype, nbytes)
                         : map_raw(file, shape, dtype, nbytes);
}

}  // namespace tessera::detail
