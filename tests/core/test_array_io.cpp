// Arrays in .npy files and npy stacks: round trips bit for bit, lazy block reads, streaming
// writes whose memory stays at one band, and clear errors for bad directories.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "array_reference.hpp"
#include "memory_probe.hpp"
#include "npy_bytes.hpp"
#include "serial_executor.hpp"
#include "tessera/array_io.hpp"
#include "tessera/npy.hpp"
#include "tessera/random.hpp"

using namespace tessera;
namespace fs = std::filesystem;
using test_support::values_of;

namespace {

struct ArrayIo : ::testing::Test {
  std::shared_ptr<test_support::SerialExecutor> executor =
      std::make_shared<test_support::SerialExecutor>();
  fs::path dir = fs::temp_directory_path() / ("tessera_io_" + std::to_string(::getpid()));
  void SetUp() override {
    detail::push_executor(executor);
    fs::create_directories(dir);
  }
  void TearDown() override {
    detail::remove_executor(executor.get());
    fs::remove_all(dir);
  }
  std::string path(const std::string& name) const { return (dir / name).string(); }
};

}  // namespace

TEST_F(ArrayIo, NpyRoundTripsEveryDtypeAndShapeBitForBit) {
  Array x = random::random({37, 23}, {10, 7}, 3);
  for (const Array& a : {x, x.astype(DType::float32), (x * 100.0).astype(DType::int64), x > 0.5,
                         x.sum(), random::random({41}, 6, 1)}) {
    to_npy(a, path("a.npy"));
    EXPECT_EQ(read_npy_header(path("a.npy")).shape, a.shape());
    Array back = from_npy(path("a.npy"), a.ndim() == 0 ? ChunkSpec(Chunks{}) : ChunkSpec(5));
    EXPECT_EQ(back.dtype(), a.dtype());
    NDArray expected = a.compute(), got = back.compute();
    ASSERT_EQ(got.nbytes(), expected.nbytes());
    EXPECT_EQ(std::memcmp(got.raw(), expected.raw(), got.nbytes()), 0) << dtype_name(a.dtype());
  }
}

TEST_F(ArrayIo, FromNpyReadsEachBlockInItsOwnTask) {
  NDArray data({6, 4}, DType::int64);
  for (int i = 0; i < 24; ++i) data.data<std::int64_t>()[i] = i;
  write_npy(path("d.npy"), data);
  Array a = from_npy(path("d.npy"), {4, 3});
  EXPECT_EQ(a.task_count(), 4u);  // 2 x 2 blocks, nothing else
  EXPECT_EQ(values_of(a.T().compute())[1], 4.0);
  EXPECT_EQ(a.sum().compute().item<std::int64_t>(), 276);
  fs::remove(path("d.npy"));
  EXPECT_THROW(a.compute(), TaskError);  // read lazily: the missing file is a task error
}

TEST_F(ArrayIo, FromNpyRejectsAFileShorterThanItsShapeWhenOpening) {
  // 10^6 x 10^6 float64 declared, 32 bytes held: an error now, not when a chunk is computed.
  std::ofstream(path("short.npy"), std::ios::binary)
      << test_support::npy_header_bytes(
             "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }")
      << std::string(32, '\0');
  try {
    from_npy(path("short.npy"), {1000, 1000});
    FAIL() << "from_npy accepted a file 8 TB short";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path("short.npy")), std::string::npos) << message;
    EXPECT_NE(message.find("(1000000, 1000000)"), std::string::npos) << message;
    EXPECT_NE(message.find("needs 8000000000000 data bytes, the file has 32"), std::string::npos)
        << message;
  }
}

// Writes the logical array arange(rows * cols).reshape(rows, cols) of int64 as a .npy file in
// Fortran order (column-major) and/or big-endian.
std::string arange_npy(const std::string& file, std::int64_t rows, std::int64_t cols, bool fortran,
                       bool big_endian) {
  std::string data;
  for (std::int64_t k = 0; k < rows * cols; ++k) {
    const std::int64_t i = fortran ? k % rows : k / cols, j = fortran ? k / rows : k % cols;
    const std::int64_t value = i * cols + j;
    for (int b = 0; b < 8; ++b)
      data.push_back(static_cast<char>((value >> (8 * (big_endian ? 7 - b : b))) & 0xFF));
  }
  const std::string dict = std::string("{'descr': '") + (big_endian ? '>' : '<') +
                           "i8', 'fortran_order': " + (fortran ? "True" : "False") +
                           ", 'shape': (" + std::to_string(rows) + ", " + std::to_string(cols) +
                           "), }";
  std::ofstream(file, std::ios::binary) << test_support::npy_header_bytes(dict) << data;
  return file;
}

TEST_F(ArrayIo, FortranAndBigEndianFilesAreReadLazilyByBlock) {
  for (const auto& [fortran, big_endian] :
       {std::pair{true, false}, std::pair{false, true}, std::pair{true, true}}) {
    SCOPED_TRACE(std::string(fortran ? "Fortran order" : "C order") +
                 (big_endian ? ", big-endian" : ", little-endian"));
    const std::string file = arange_npy(path("f.npy"), 5, 7, fortran, big_endian);
    Array a = from_npy(file, {2, 3});
    EXPECT_EQ(a.shape(), (Shape{5, 7}));
    EXPECT_EQ(a.chunks(), (Chunks{{2, 2, 1}, {3, 3, 1}}));
    const std::vector<double> values = values_of(a.compute());
    for (int k = 0; k < 35; ++k) EXPECT_EQ(values[k], k);
    EXPECT_EQ(values_of((a[{Slice{1, 4}, Slice{2, 6}}].compute())),
              (std::vector<double>{9, 10, 11, 12, 16, 17, 18, 19, 23, 24, 25, 26}));
    fs::remove(file);
    EXPECT_THROW(a.compute(), TaskError);  // read by the chunk tasks, not when opened
  }
}

TEST_F(ArrayIo, FortranOrderFilesOfThreeDimensionsReadAsReadNpyDoes) {
  // Found by fuzz_npy: from_npy of a Fortran file reordered it through a transpose, which
  // evaluates as double: int64 values beyond 2^53 came back rounded.
  std::string data;
  for (std::int64_t k = 0; k < 24; ++k) {
    const std::int64_t value = (std::int64_t{1} << 62) + k;  // beyond double's 53 bits
    data.append(reinterpret_cast<const char*>(&value), 8);
  }
  std::ofstream(path("f3.npy"), std::ios::binary)
      << test_support::npy_header_bytes(
             "{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3, 4), }")
      << data;
  const NDArray expected = read_npy(path("f3.npy"));
  const auto* want = expected.data<std::int64_t>();
  for (int chunk = 1; chunk <= 4; ++chunk) {
    const NDArray got = from_npy(path("f3.npy"), chunk).compute();
    EXPECT_EQ(std::vector<std::int64_t>(got.data<std::int64_t>(), got.data<std::int64_t>() + 24),
              std::vector<std::int64_t>(want, want + 24))
        << "chunks of " << chunk;
  }
}

TEST_F(ArrayIo, HugeFortranFileReadsOnlyTheBlocksItUses) {
  // 2^17 x 2^19 float64 in Fortran order: 512 GiB, a sparse file holding four values. Reading it
  // whole (what from_npy did with Fortran order) cannot fit in memory; a slice reads one block.
  const std::int64_t rows = std::int64_t{1} << 17, cols = std::int64_t{1} << 19;
  const std::string file = path("huge_fortran.npy");
  const std::string header =
      test_support::npy_header_bytes("{'descr': '<f8', 'fortran_order': True, 'shape': (" +
                                     std::to_string(rows) + ", " + std::to_string(cols) + "), }");
  { std::ofstream(file, std::ios::binary) << header; }
  std::error_code error;
  fs::resize_file(file, header.size() + static_cast<std::uintmax_t>(rows * cols * 8), error);
  if (error) GTEST_SKIP() << "no 512 GiB sparse file here: " << error.message();
  auto put = [&](std::int64_t i, std::int64_t j, double value) {  // column-major element (i, j)
    std::fstream out(file, std::ios::binary | std::ios::in | std::ios::out);
    out.seekp(static_cast<std::streamoff>(header.size() + (i + j * rows) * 8));
    out.write(reinterpret_cast<const char*>(&value), sizeof value);
  };
  put(0, 0, 1.0);
  put(2, 1, 2.0);
  put(1, 2, 3.0);
  put(rows - 1, cols - 1, 4.0);
  Array a = from_npy(file, {2048, 2048});
  EXPECT_EQ(a.shape(), (Shape{rows, cols}));
  EXPECT_EQ(values_of((a[{Slice{0, 3}, Slice{0, 3}}].compute())),
            (std::vector<double>{1, 0, 0, 0, 0, 3, 0, 2, 0}));
  EXPECT_EQ((a[{Slice{rows - 1, rows}, Slice{cols - 1, cols}}].compute().item<double>()), 4.0);
  fs::remove(file);
}

TEST_F(ArrayIo, FromNpyReadsNonzeroBoolBytesAsTrue) {
  // NumPy reads any nonzero byte as True; a C++ bool holding 2 would count as 2 in a sum.
  std::ofstream(path("b.npy"), std::ios::binary)
      << test_support::npy_header_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (4,), }")
      << std::string("\x00\x02\xff\x01", 4);
  Array a = from_npy(path("b.npy"), 2);
  EXPECT_EQ(a.sum().compute().item<std::int64_t>(), 3);
  const NDArray bools = a.compute();
  const auto* bytes = static_cast<const unsigned char*>(bools.raw());
  EXPECT_EQ(std::vector<int>(bytes, bytes + 4), (std::vector<int>{0, 1, 1, 1}));
}

TEST_F(ArrayIo, NumPyReadsWhatToNpyStreams) {
  if (std::system("/usr/bin/python3 -c 'import numpy' 2>/dev/null") != 0)
    GTEST_SKIP() << "numpy not importable";
  to_npy(arange(0.0, 60.0, 1.0, 7).astype(DType::float64), path("r.npy"));
  const std::string check =
      "/usr/bin/python3 -c \"import numpy as np, sys; a = np.load('" + path("r.npy") +
      "'); sys.exit(0 if (a == np.arange(60.0)).all() and a.dtype == np.float64 else 1)\"";
  EXPECT_EQ(std::system(check.c_str()), 0);
}

TEST_F(ArrayIo, ToNpyHoldsOneBandNotTheArray) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "sanitizer allocators keep freed memory (quarantine): peak RSS says nothing here";
#endif
  // 4096 x 8192 float64 = 256 MiB written; a band of 256 rows is 16 MiB.
  Array x = random::random({4096, 8192}, {256, 1024}, 5);
  if (!test_support::reset_peak_memory()) GTEST_SKIP() << "cannot reset VmHWM here";
  const long before = test_support::peak_memory_kib();
  to_npy(x, path("big.npy"));
  const long growth_mib = (test_support::peak_memory_kib() - before) / 1024;
  EXPECT_EQ(fs::file_size(path("big.npy")),
            256u * 1024 * 1024 + read_npy_header(path("big.npy")).data_offset);
  // One band is computed (16 MiB of chunks) and assembled (16 MiB); glibc keeps some freed
  // chunks mapped, so a few bands' worth is normal (96 MiB measured). Half the array is the bound:
  // holding the array would exceed it.
  EXPECT_LT(growth_mib, 128) << "peak grew by " << growth_mib << " MiB";
  // Read back under other chunks: the same elements (max and min are exact in any order).
  Array back = from_npy(path("big.npy"), {512, 8192});
  EXPECT_EQ(back.max().compute().item<double>(), x.max().compute().item<double>());
  EXPECT_EQ(back.min().compute().item<double>(), x.min().compute().item<double>());
}

TEST_F(ArrayIo, NpyStackRoundTripsWithAManifest) {
  Array x = random::random({25, 18}, {10, 7}, 8);
  to_npy_stack(path("stack"), x * 3.0);
  std::ifstream in(path("stack/manifest.json"));
  auto manifest = nlohmann::json::parse(in);
  EXPECT_EQ(manifest["shape"], (Shape{25, 18}));
  EXPECT_EQ(manifest["files"].size(), 9u);
  EXPECT_TRUE(fs::exists(path("stack/2_1.npy")));
  EXPECT_EQ(read_npy_header(path("stack/2_1.npy")).shape, (Shape{5, 7}));
  Array back = from_npy_stack(path("stack"));
  EXPECT_EQ(back.chunks(), x.chunks());
  EXPECT_EQ(values_of(back.compute()), values_of((x * 3.0).compute()));
  // Persisted arrays write their stored chunks.
  to_npy_stack(path("stack2"), x.persist());
  EXPECT_EQ(values_of(from_npy_stack(path("stack2")).compute()), values_of(x.compute()));
}

TEST_F(ArrayIo, BadStacksAreClearErrors) {
  try {
    from_npy_stack(path("nothing"));
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("nothing"), std::string::npos);
  }
  to_npy_stack(path("s"), zeros({4, 4}, 2));
  write_npy(path("s/1_1.npy"), NDArray({3, 3}, DType::float64));  // wrong block shape
  try {
    from_npy_stack(path("s")).compute();
    FAIL();
  } catch (const TaskError& e) {
    EXPECT_NE(e.original_message().find("1_1.npy"), std::string::npos) << e.original_message();
  }
  std::ofstream(path("s/manifest.json")) << "{not json";
  EXPECT_THROW(from_npy_stack(path("s")), std::invalid_argument);
}

TEST_F(ArrayIo, StackManifestsOutsideInt64OrTheDirectoryAreClearErrors) {
  // A manifest is input: values nlohmann would convert with undefined behaviour (found by
  // fuzz_chunk_spec), sums that overflow, and files outside the stack's directory.
  to_npy_stack(path("m"), zeros({4}, 2));
  const std::string manifest = path("m/manifest.json");
  auto with = [&](const std::string& shape, const std::string& chunks, const std::string& files) {
    std::ofstream(manifest)
        << R"({"format": "tessera-npy-stack", "version": 1, "dtype": "float64",)"
        << R"( "shape": )" << shape << R"(, "chunks": )" << chunks << R"(, "files": )" << files
        << "}";
  };
  struct Case {
    std::string shape, chunks, files, expected;
  };
  const std::vector<Case> cases = {
      {"[4.5e19]", "[[4]]", R"(["0.npy"])",
       "shape must be a list of integers within int64's range, not [4.5e+19]"},
      {"[9223372036854775808]", "[[4]]", R"(["0.npy"])", "not [9223372036854775808]"},
      {"[4]", "[[2, 2.5]]", R"(["0.npy", "1.npy"])", "chunks of dimension 0 must be"},
      {"[9223372036854775807]", "[[9223372036854775807, 9223372036854775807]]",
       R"(["0.npy", "1.npy"])", "sum past 2^63"},
      {"[4]", "[[2, 2]]", R"(["0.npy", "../outside.npy"])",
       R"(file "../outside.npy" is not a plain)"},
      {"[4]", "[[2, 2]]", R"(["0.npy"])", "1 chunk files listed, the chunks need 2"},
      {"[4]", "[[2, 3]]", R"(["0.npy", "1.npy"])", "sum to 5, the extent is 4"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.shape + " " + c.chunks + " " + c.files);
    with(c.shape, c.chunks, c.files);
    try {
      from_npy_stack(path("m"));
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(manifest), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(c.expected), std::string::npos) << e.what();
    }
  }
  with("[4]", "[[2, 2]]", R"(["0.npy", "1.npy"])");
  EXPECT_EQ(from_npy_stack(path("m")).chunks(), (Chunks{{2, 2}}));
}
