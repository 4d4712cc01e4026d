// Fuzzes the .npy reader: header parsing, the size check on opening, whole reads (read_npy) and
// lazy block reads (from_npy), which must agree byte for byte. Bad files may only throw
// std::invalid_argument.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

#include "serial_executor.hpp"
#include "tessera/array_io.hpp"
#include "tessera/npy.hpp"

namespace {

// One in-memory file for every input: the reader takes a path, and /proc/self/fd/<n> names it.
struct MemoryFile {
  int fd = ::memfd_create("fuzz.npy", 0);
  std::string path = "/proc/self/fd/" + std::to_string(fd);

  void hold(const std::uint8_t* data, std::size_t size) const {
    if (fd < 0 || ::ftruncate(fd, 0) != 0 ||
        (size > 0 && ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size)))
      throw std::runtime_error("fuzz_npy: cannot write the in-memory file");
  }
};

// Lazy reads are compared only for arrays this small, cut into at most this many chunks: a
// zero-size shape like (211, 1, 1, 10110, 8, 0) in chunks of 1 is 17 million chunk tasks, which
// is what was asked for, but not what a fuzzer can wait for.
constexpr std::int64_t kMaxLazyElements = 1 << 16, kMaxLazyChunks = 1 << 12;

bool small_enough(const tessera::NpyHeader& header, std::int64_t chunk) {
  if (header.size() > kMaxLazyElements) return false;
  std::int64_t chunks = 1;
  for (std::int64_t extent : header.shape) {
    if (extent > kMaxLazyElements) return false;
    chunks *= std::max<std::int64_t>(1, (extent + chunk - 1) / chunk);
    if (chunks > kMaxLazyChunks) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const MemoryFile file;
  static const auto executor = [] {
    auto serial = std::make_shared<tessera::test_support::SerialExecutor>();
    tessera::detail::push_executor(serial);
    return serial;
  }();
  file.hold(data, size);

  tessera::NpyHeader header;
  tessera::NDArray whole;
  try {
    header = tessera::read_npy_header(file.path);
    whole = tessera::read_npy(file.path);
  } catch (const std::invalid_argument&) {
    return 0;  // a bad file, reported as one
  }
  if (whole.shape() != header.shape || whole.dtype() != header.dtype)
    throw std::logic_error("fuzz_npy: read_npy disagrees with the header");
  // Chunks of 1 to 4 along every axis, chosen by the input's last byte.
  const std::int64_t chunk = size > 0 ? 1 + data[size - 1] % 4 : 1;
  if (!small_enough(header, chunk)) return 0;
  std::optional<tessera::Array> lazy;
  try {
    lazy = tessera::from_npy(file.path,
                             header.shape.empty() ? tessera::ChunkSpec(tessera::Chunks{}) : chunk);
  } catch (const std::invalid_argument&) {
    return 0;  // e.g. more dimensions than arrays support
  }
  const tessera::NDArray blocks = lazy->compute();
  if (blocks.shape() != whole.shape() || blocks.nbytes() != whole.nbytes() ||
      (whole.nbytes() > 0 && std::memcmp(blocks.raw(), whole.raw(), whole.nbytes()) != 0))
    throw std::logic_error("fuzz_npy: from_npy and read_npy read different values");
  return 0;
}
