// Arrays in .npy files and npy stacks: round trips bit for bit, lazy block reads, streaming
// writes whose memory stays at one band, and clear errors for bad directories.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "array_reference.hpp"
#include "memory_probe.hpp"
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
