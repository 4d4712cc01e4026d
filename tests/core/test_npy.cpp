#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>
#include <string>
#include <vector>

#include "npy_bytes.hpp"
#include "tessera/detail/npy_writer.hpp"
#include "tessera/npy.hpp"

namespace fs = std::filesystem;
using tessera::DType;
using tessera::NDArray;
using tessera::NpyHeader;
using tessera::NpyWriter;
using tessera::read_npy;
using tessera::read_npy_header;
using tessera::Shape;
using tessera::write_npy;

namespace {

class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "tessera_npy_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr) << std::strerror(errno);
    dir_ = pattern;
  }
  void TearDown() override {
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string slurp(const std::string& file) const {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  std::string write_file(const std::string& name, const std::string& bytes) const {
    const std::string file = path(name);
    std::ofstream out(file, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return file;
  }

  /// A hand-made .npy file: magic, version, header length, `dict` padded to `align`, `data`.
  std::string craft(const std::string& name, const std::string& dict, const std::string& data,
                    int major = 1, std::size_t align = 64) const {
    return write_file(name, tessera::test_support::npy_header_bytes(dict, major, align) + data);
  }

  fs::path dir_;
};

template <class T>
std::string bytes_of(const std::vector<T>& values) {
  return std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(T));
}

template <class T, class Bits>
T from_bits(Bits bits) {
  static_assert(sizeof(T) == sizeof(Bits));
  T value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

template <class T>
NDArray make_array(const Shape& shape, const std::vector<T>& values) {
  NDArray array(shape, tessera::dtype_of<T>());
  EXPECT_EQ(static_cast<std::size_t>(array.size()), values.size());
  for (std::size_t i = 0; i < values.size(); ++i) array.data<T>()[i] = values[i];
  return array;
}

bool same_bytes(const NDArray& a, const NDArray& b) {
  return a.nbytes() == b.nbytes() &&
         (a.nbytes() == 0 || std::memcmp(a.raw(), b.raw(), a.nbytes()) == 0);
}

/// Deterministic contents valid for `dtype` (bools 0/1, other types any bit pattern).
NDArray patterned(const Shape& shape, DType dtype) {
  NDArray array(shape, dtype);
  auto* bytes = static_cast<unsigned char*>(array.raw());
  std::uint32_t state = 12345;
  for (std::size_t i = 0; i < array.nbytes(); ++i) {
    state = state * 1664525u + 1013904223u;
    bytes[i] = dtype == DType::boolean ? (state >> 31) : static_cast<unsigned char>(state >> 24);
  }
  return array;
}

template <class Fn>
std::string invalid_argument_message(Fn&& fn) {
  try {
    fn();
  } catch (const std::invalid_argument& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("WRONG EXCEPTION TYPE: ") + e.what();
  }
  return "NO EXCEPTION";
}

TEST_F(NpyTest, RoundTripsEveryDtypeAndShapeBitExactly) {
  const std::vector<Shape> shapes = {{}, {5}, {0}, {2, 0, 3}, {2, 3, 4}, {1, 1, 7}};
  for (DType dtype : {DType::boolean, DType::int64, DType::float32, DType::float64}) {
    for (const Shape& shape : shapes) {
      SCOPED_TRACE(std::string(tessera::dtype_name(dtype)) + " ndim " +
                   std::to_string(shape.size()));
      const NDArray original = patterned(shape, dtype);
      const std::string file = path("a.npy");
      write_npy(file, original);
      const NDArray back = read_npy(file);
      EXPECT_EQ(back.shape(), shape);
      EXPECT_EQ(back.dtype(), dtype);
      EXPECT_TRUE(same_bytes(original, back));

      const NpyHeader header = read_npy_header(file);
      EXPECT_EQ(header.shape, shape);
      EXPECT_EQ(header.dtype, dtype);
      EXPECT_FALSE(header.fortran_order);
      EXPECT_FALSE(header.byteswapped);
      EXPECT_EQ(header.version_major, 1);
      EXPECT_EQ(header.data_offset % 64, 0u);
      EXPECT_EQ(header.nbytes(), original.nbytes());
      EXPECT_EQ(fs::file_size(file), header.data_offset + original.nbytes());
    }
  }
}

TEST_F(NpyTest, SpecialFloatsSurviveBitExactly) {
  const std::vector<std::uint64_t> bits64 = {
      0x7ff8000000000123ull,  // quiet NaN with a payload
      0x7ff0000000000001ull,  // signalling NaN
      0xfff8000000000000ull,  // negative NaN
      0x8000000000000000ull,  // -0.0
      0x7ff0000000000000ull,  // inf
      0xfff0000000000000ull,  // -inf
      0x0000000000000001ull,  // smallest subnormal
      0x7fefffffffffffffull,  // max
  };
  const std::vector<std::uint32_t> bits32 = {0x7fc00123u, 0x7f800001u, 0xffc00000u, 0x80000000u,
                                             0x7f800000u, 0xff800000u, 0x00000001u, 0x7f7fffffu};
  NDArray f8({8}, DType::float64), f4({2, 4}, DType::float32);
  std::memcpy(f8.raw(), bits64.data(), 64);
  std::memcpy(f4.raw(), bits32.data(), 32);
  write_npy(path("f8.npy"), f8);
  write_npy(path("f4.npy"), f4);
  EXPECT_TRUE(same_bytes(read_npy(path("f8.npy")), f8));
  EXPECT_TRUE(same_bytes(read_npy(path("f4.npy")), f4));
  EXPECT_TRUE(std::signbit(read_npy(path("f8.npy")).data<double>()[3]));
}

TEST_F(NpyTest, HeaderIsWhatNumPyWrites) {
  write_npy(path("a.npy"), NDArray({2, 3}, DType::float64));
  write_npy(path("b.npy"), NDArray({5}, DType::int64));
  write_npy(path("c.npy"), NDArray({}, DType::float32));
  write_npy(path("d.npy"), NDArray({4, 1}, DType::boolean));
  const struct {
    const char* file;
    std::string dict;
  } cases[] = {
      {"a.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }"},
      {"b.npy", "{'descr': '<i8', 'fortran_order': False, 'shape': (5,), }"},
      {"c.npy", "{'descr': '<f4', 'fortran_order': False, 'shape': (), }"},
      {"d.npy", "{'descr': '|b1', 'fortran_order': False, 'shape': (4, 1), }"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.file);
    const std::string bytes = slurp(path(c.file));
    ASSERT_GE(bytes.size(), 64u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const std::size_t header_len =
        static_cast<unsigned char>(bytes[8]) |
        (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    EXPECT_EQ((10 + header_len) % 64, 0u);
    EXPECT_EQ(bytes.substr(10, c.dict.size()), c.dict);
    EXPECT_EQ(bytes[10 + header_len - 1], '\n');
    for (std::size_t i = 10 + c.dict.size(); i < 10 + header_len - 1; ++i) ASSERT_EQ(bytes[i], ' ');
    EXPECT_EQ(read_npy_header(path(c.file)).data_offset, 10 + header_len);
  }
}

TEST_F(NpyTest, HugeHeaderSwitchesToVersion2) {
  const Shape shape(22000, 1);  // "1, " x 22000 does not fit a 65535-byte header
  NDArray array(shape, DType::int64);
  array.data<std::int64_t>()[0] = -42;
  write_npy(path("v2.npy"), array);
  const std::string bytes = slurp(path("v2.npy"));
  EXPECT_EQ(bytes[6], '\x02');
  EXPECT_EQ(bytes[7], '\x00');
  const NpyHeader header = read_npy_header(path("v2.npy"));
  EXPECT_EQ(header.version_major, 2);
  EXPECT_GT(header.data_offset, 65535u);
  EXPECT_EQ(header.data_offset % 64, 0u);
  const NDArray back = read_npy(path("v2.npy"));
  EXPECT_EQ(back.shape(), shape);
  EXPECT_EQ(back.item<std::int64_t>(), -42);
}

TEST_F(NpyTest, ParsesHeaderSpellings) {
  const std::string data = bytes_of(std::vector<double>{1, 2, 3, 4, 5, 6});
  const std::string dicts[] = {
      "{'shape': (2, 3), 'fortran_order': False, 'descr': '<f8'}",
      "{ 'fortran_order' :False,'descr':'<f8' , 'shape':( 2 ,3 , ) , }",
      "{\"descr\": \"<f8\", \"fortran_order\": False, \"shape\": (2, 3)}",
      "{'descr': '<f8',\n\t'fortran_order': False,\n\t'shape': (2L, 3L), }",
      "{'descr': '=f8', 'fortran_order': False, 'shape': (2, 3), }",
      "{'descr': 'f8', 'fortran_order': False, 'shape': (2, 3), }",
  };
  int n = 0;
  for (const std::string& dict : dicts) {
    SCOPED_TRACE(dict);
    for (int major : {1, 2, 3}) {
      for (std::size_t align : {64, 16, 1}) {
        const std::string file =
            craft(std::to_string(n++) + "_header.npy", dict, data, major, align);
        const NDArray back = read_npy(file);
        EXPECT_EQ(back.shape(), (Shape{2, 3}));
        ASSERT_EQ(back.dtype(), DType::float64);
        EXPECT_EQ(back.data<double>()[5], 6.0);
        EXPECT_EQ(read_npy_header(file).version_major, major);
      }
    }
  }
  // Boolean descr spellings; nonzero bytes read as true.
  for (const char* descr : {"|b1", "<b1", "?"}) {
    const std::string file = craft(
        "b.npy", std::string("{'descr': '") + descr + "', 'fortran_order': False, 'shape': (3,)}",
        std::string("\x00\x01\x07", 3));
    const NDArray back = read_npy(file);
    ASSERT_EQ(back.dtype(), DType::boolean);
    const unsigned char* raw = static_cast<const unsigned char*>(back.raw());
    EXPECT_EQ(raw[0], 0);
    EXPECT_EQ(raw[1], 1);
    EXPECT_EQ(raw[2], 1);
  }
}

TEST_F(NpyTest, BigEndianDataIsByteswapped) {
  auto swapped = [](std::string bytes, std::size_t width) {
    for (std::size_t i = 0; i < bytes.size(); i += width)
      std::reverse(bytes.begin() + static_cast<std::ptrdiff_t>(i),
                   bytes.begin() + static_cast<std::ptrdiff_t>(i + width));
    return bytes;
  };
  const std::vector<double> f8 = {1.5, -2.25, std::numeric_limits<double>::infinity()};
  const std::vector<float> f4 = {1.5f, -2.25f, 1e-40f};
  const std::vector<std::int64_t> i8 = {1, -2, 0x0102030405060708};
  const std::string a = craft("f8.npy", "{'descr': '>f8', 'fortran_order': False, 'shape': (3,)}",
                              swapped(bytes_of(f8), 8));
  const std::string b = craft("f4.npy", "{'descr': '>f4', 'fortran_order': False, 'shape': (3,)}",
                              swapped(bytes_of(f4), 4));
  const std::string c = craft("i8.npy", "{'descr': '>i8', 'fortran_order': False, 'shape': (3,)}",
                              swapped(bytes_of(i8), 8));
  EXPECT_TRUE(read_npy_header(a).byteswapped);
  EXPECT_TRUE(same_bytes(read_npy(a), make_array<double>({3}, f8)));
  EXPECT_TRUE(same_bytes(read_npy(b), make_array<float>({3}, f4)));
  EXPECT_TRUE(same_bytes(read_npy(c), make_array<std::int64_t>({3}, i8)));
}

TEST_F(NpyTest, FortranOrderIsTransposedToRowMajor) {
  // Logical array arange(24).reshape(2, 3, 4), stored column-major.
  std::vector<std::int64_t> column_major(24);
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j)
      for (int k = 0; k < 4; ++k) column_major[i + 2 * j + 6 * k] = i * 12 + j * 4 + k;
  const std::string file =
      craft("f.npy", "{'descr': '<i8', 'fortran_order': True, 'shape': (2, 3, 4), }",
            bytes_of(column_major));
  const NpyHeader header = read_npy_header(file);
  EXPECT_TRUE(header.fortran_order);
  EXPECT_EQ(header.shape, (Shape{2, 3, 4}));
  const NDArray back = read_npy(file);
  ASSERT_EQ(back.shape(), (Shape{2, 3, 4}));
  for (int i = 0; i < 24; ++i) EXPECT_EQ(back.data<std::int64_t>()[i], i);

  // Degenerate Fortran arrays: 1-d, 0-d, empty.
  const std::string one =
      craft("f1.npy", "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }",
            bytes_of(std::vector<float>{3, 4}));
  EXPECT_EQ(read_npy(one).data<float>()[1], 4.0f);
  const std::string zero = craft("f0.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (), }",
                                 bytes_of(std::vector<double>{7}));
  EXPECT_EQ(read_npy(zero).item<double>(), 7.0);
  const std::string empty =
      craft("fe.npy", "{'descr': '<f8', 'fortran_order': True, 'shape': (3, 0), }", "");
  EXPECT_EQ(read_npy(empty).shape(), (Shape{3, 0}));
}

TEST_F(NpyTest, RejectsBadFilesNamingPathAndValue) {
  const std::string good_data = bytes_of(std::vector<double>{1, 2, 3});
  const std::string good = "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }";
  struct Case {
    std::string name, expected;
    std::string file;
  };
  std::vector<Case> cases;
  auto add = [&](const std::string& name, const std::string& expected, const std::string& file) {
    cases.push_back({name, expected, file});
  };
  auto dict_with = [&](const std::string& name, const std::string& dict,
                       const std::string& expected) {
    add(name, expected, craft(name + ".npy", dict, good_data));
  };
  add("magic", "bad magic", write_file("magic.npy", "PK\x03\x04 this is a zip file, not npy"));
  add("empty", "bad magic", write_file("empty.npy", ""));
  add("short magic", "truncated", write_file("short.npy", std::string("\x93NUMPY\x01", 7)));
  add("version", "4.0", write_file("version.npy", std::string("\x93NUMPY\x04\x00\x10\x00", 10)));
  add("minor", "1.1", write_file("minor.npy", std::string("\x93NUMPY\x01\x01\x10\x00", 10)));
  add("header past end", "truncated",
      write_file("hdr.npy", std::string("\x93NUMPY\x01\x00\x76\x00{'descr'", 17)));
  add("data", "truncated", craft("data.npy", good, good_data.substr(0, 20)));
  add("no data", "needs 24 data bytes", craft("nodata.npy", good, ""));
  dict_with("c16", "{'descr': '<c16', 'fortran_order': False, 'shape': (3,), }", "'<c16'");
  dict_with("object", "{'descr': '|O', 'fortran_order': False, 'shape': (3,), }", "'|O'");
  dict_with("i4", "{'descr': '<i4', 'fortran_order': False, 'shape': (3,), }", "'<i4'");
  dict_with("u8", "{'descr': '<u8', 'fortran_order': False, 'shape': (3,), }", "'<u8'");
  dict_with("f2", "{'descr': '<f2', 'fortran_order': False, 'shape': (3,), }", "'<f2'");
  dict_with("structured", "{'descr': [('a', '<f8')], 'fortran_order': False, 'shape': (3,), }",
            "[('a', '<f8')]");
  dict_with("missing", "{'descr': '<f8', 'shape': (3,), }", "'fortran_order'");
  dict_with("extra", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), 'x': 1}", "'x'");
  dict_with("duplicate", "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (3,)}",
            "duplicate key 'descr'");
  dict_with("negative", "{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }", "-3");
  dict_with("not a tuple", "{'descr': '<f8', 'fortran_order': False, 'shape': 3, }", "not 3");
  dict_with("paren int", "{'descr': '<f8', 'fortran_order': False, 'shape': (3), }",
            "trailing comma");
  dict_with("order", "{'descr': '<f8', 'fortran_order': 0, 'shape': (3,), }", "not 0");
  dict_with("order text", "{'descr': '<f8', 'fortran_order': 'no', 'shape': (3,), }", "'no'");
  dict_with("garbage", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), } junk", "junk");
  dict_with("unclosed", "{'descr': '<f8', 'fortran_order': False, 'shape': (3,), ", "malformed");
  dict_with("not a dict", "['descr', '<f8']", "malformed");
  dict_with("overflow",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,)}",
            "out of range");
  dict_with("too large",
            "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296)}",
            "too large");

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string message = invalid_argument_message([&] { read_npy(c.file); });
    EXPECT_NE(message.find(c.file), std::string::npos) << message;
    EXPECT_NE(message.find(c.expected), std::string::npos) << message;
    const std::string header_message = invalid_argument_message([&] { read_npy_header(c.file); });
    EXPECT_NE(header_message.find(c.expected), std::string::npos) << header_message;
  }
}

TEST_F(NpyTest, HeaderPromisingMoreDataThanTheFileHoldsIsRejectedOnOpening) {
  // 10^6 x 10^6 float64 is 8 TB; the file holds 32 bytes of it. Opening the header alone (what
  // from_npy does) must say so, not a chunk task long after.
  const std::string file =
      craft("liar.npy", "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000, 1000000), }",
            bytes_of(std::vector<double>{1, 2, 3, 4}));
  const std::string message = invalid_argument_message([&] { read_npy_header(file); });
  for (const std::string& part :
       {file, std::string("(1000000, 1000000) float64"),
        std::string("needs 8000000000000 data bytes"),
        "the file has 32 (" + std::to_string(fs::file_size(file)) + " bytes in all)"})
    EXPECT_NE(message.find(part), std::string::npos) << message;
  EXPECT_NE(invalid_argument_message([&] { read_npy(file); }).find("8000000000000"),
            std::string::npos);
}

TEST_F(NpyTest, OsErrorsAreRuntimeErrorsWithTheReason) {
  const std::string missing = path("missing.npy");
  try {
    read_npy(missing);
    ADD_FAILURE() << "read a missing file";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOENT)), std::string::npos) << e.what();
  }
  const std::string no_dir = path("no/such/dir/a.npy");
  try {
    write_npy(no_dir, NDArray({2}, DType::float64));
    ADD_FAILURE() << "wrote into a missing directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(no_dir), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::strerror(ENOENT)), std::string::npos) << e.what();
  }
  try {
    read_npy(dir_.string());
    ADD_FAILURE() << "read a directory";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find(std::strerror(EISDIR)), std::string::npos) << e.what();
  }
  if (fs::exists("/dev/full")) {
    for (std::int64_t n : {4, 1 << 20}) {  // buffered (fails on close) and unbuffered writes
      try {
        write_npy("/dev/full", NDArray({n}, DType::float64));
        ADD_FAILURE() << "wrote to /dev/full";
      } catch (const std::runtime_error& e) {
        EXPECT_NE(std::string(e.what()).find("/dev/full"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find(std::strerror(ENOSPC)), std::string::npos) << e.what();
      }
    }
  }
}

TEST_F(NpyTest, WriterStreamsPiecesAndChecksTheCount) {
  const NDArray whole = patterned({4, 5, 6}, DType::float32);
  const auto* bytes = static_cast<const char*>(whole.raw());
  {
    NpyWriter writer(path("s.npy"), whole.shape(), DType::float32);
    EXPECT_EQ(writer.bytes_expected(), whole.nbytes());
    std::size_t done = 0;
    for (std::size_t piece : {0, 7, 100, 13, 360}) {
      writer.write(bytes + done, piece);
      done += piece;
    }
    EXPECT_EQ(done, whole.nbytes());
    writer.close();
    writer.close();  // idempotent
    EXPECT_THROW(writer.write(bytes, 1), std::logic_error);
  }
  EXPECT_TRUE(same_bytes(read_npy(path("s.npy")), whole));

  {  // too many bytes: rejected without writing; the writer stays usable
    NpyWriter writer(path("long.npy"), {3}, DType::int64);
    const std::vector<std::int64_t> values = {1, 2, 3, 4};
    writer.write(values.data(), 8);
    EXPECT_THROW(writer.write(values.data() + 1, 24), std::length_error);
    writer.write(values.data() + 1, 16);
    EXPECT_THROW(writer.write(values.data(), 1), std::length_error);
    writer.close();
    const NDArray back = read_npy(path("long.npy"));
    EXPECT_EQ(back.data<std::int64_t>()[2], 3);
  }
  {  // too few bytes
    NpyWriter writer(path("short.npy"), {3}, DType::int64);
    const std::int64_t one = 1;
    writer.write(&one, 8);
    try {
      writer.close();
      ADD_FAILURE() << "closed a short file";
    } catch (const std::length_error& e) {
      EXPECT_NE(std::string(e.what()).find("8 of the 24"), std::string::npos) << e.what();
    }
  }
  {  // destroyed unclosed: the file is incomplete and read_npy says so
    NpyWriter writer(path("abandoned.npy"), {10}, DType::float64);
    writer.write(bytes, 16);
  }
  const std::string message = invalid_argument_message([&] { read_npy(path("abandoned.npy")); });
  EXPECT_NE(message.find("truncated"), std::string::npos) << message;

  {  // moved writers keep going
    NpyWriter first(path("moved.npy"), {2}, DType::float64);
    const std::vector<double> values = {0.5, 0.25};
    first.write(values.data(), 8);
    NpyWriter second = std::move(first);
    second.write(values.data() + 1, 8);
    second.close();
    EXPECT_EQ(read_npy(path("moved.npy")).data<double>()[1], 0.25);
  }
  EXPECT_THROW(NpyWriter(path("neg.npy"), {2, -1}, DType::float64), std::invalid_argument);
}

// ---- Against NumPy itself ----

constexpr const char* kPython = "/usr/bin/python3";

class NpyNumPy : public NpyTest {
 protected:
  void SetUp() override {
    NpyTest::SetUp();
    static const std::string kUnavailable = [] {
      if (!fs::exists(kPython)) return std::string(kPython) + " does not exist";
      const std::string command = std::string(kPython) + " -c 'import numpy' >/dev/null 2>&1";
      const int status = std::system(command.c_str());
      if (status != 0)
        return std::string(kPython) + " cannot import numpy (scripts/setup installs python3-numpy)";
      return std::string();
    }();
    if (!kUnavailable.empty()) GTEST_SKIP() << kUnavailable;
  }

  /// Runs `code` with sys.argv[1] = the test directory; returns its exit code, output in `output`.
  int python(const std::string& code, std::string& output) const {
    const std::string script = path("check.py");
    std::ofstream(script) << "import sys\nimport numpy as np\nd = sys.argv[1]\n" << code << "\n";
    const std::string command =
        std::string(kPython) + " '" + script + "' '" + dir_.string() + "' 2>&1";
    FILE* pipe = ::popen(command.c_str(), "r");
    if (!pipe) return -1;
    char buffer[4096];
    std::size_t got;
    while ((got = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, got);
    const int status = ::pclose(pipe);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
};

TEST_F(NpyNumPy, ReadsWhatNumPyWrites) {
  std::string output;
  ASSERT_EQ(python(R"PY(
np.save(d + "/i8.npy", np.arange(24, dtype="<i8").reshape(2, 3, 4))
np.save(d + "/f4.npy", np.array([0x3fc00000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00123, 0x00000001],
                                dtype="<u4").view("<f4"))
np.save(d + "/f8.npy", np.array([0x7ff8000000000123, 0x8000000000000000, 0x3ff8000000000000],
                                dtype="<u8").view("<f8"))
np.save(d + "/b1.npy", np.array([[True, False, True], [False, False, True]]))
np.save(d + "/scalar.npy", np.float64(2.5))
np.save(d + "/empty.npy", np.zeros((0, 3), dtype="<f4"))
np.save(d + "/fortran.npy", np.asfortranarray(np.arange(24.0).reshape(2, 3, 4)))
np.save(d + "/big.npy", np.arange(6, dtype=">f8").reshape(3, 2))
for v in [(1, 0), (2, 0), (3, 0)]:
    with open(d + "/v%d.npy" % v[0], "wb") as f:
        np.lib.format.write_array(f, np.arange(5, dtype="<i8") * 7, version=v)
)PY",
                   output),
            0)
      << output;

  const NDArray i8 = read_npy(path("i8.npy"));
  ASSERT_EQ(i8.shape(), (Shape{2, 3, 4}));
  ASSERT_EQ(i8.dtype(), DType::int64);
  for (int i = 0; i < 24; ++i) EXPECT_EQ(i8.data<std::int64_t>()[i], i);

  const std::vector<std::uint32_t> f4_bits = {0x3fc00000, 0x80000000, 0x7f800000,
                                              0xff800000, 0x7fc00123, 0x00000001};
  const NDArray f4 = read_npy(path("f4.npy"));
  ASSERT_EQ(f4.dtype(), DType::float32);
  ASSERT_EQ(f4.shape(), (Shape{6}));
  EXPECT_EQ(std::memcmp(f4.raw(), f4_bits.data(), 24), 0);
  EXPECT_EQ(f4.data<float>()[0], 1.5f);

  const std::vector<std::uint64_t> f8_bits = {0x7ff8000000000123, 0x8000000000000000,
                                              0x3ff8000000000000};
  const NDArray f8 = read_npy(path("f8.npy"));
  ASSERT_EQ(f8.dtype(), DType::float64);
  EXPECT_EQ(std::memcmp(f8.raw(), f8_bits.data(), 24), 0);

  const NDArray b1 = read_npy(path("b1.npy"));
  ASSERT_EQ(b1.dtype(), DType::boolean);
  ASSERT_EQ(b1.shape(), (Shape{2, 3}));
  const bool expected_b1[] = {true, false, true, false, false, true};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(b1.data<bool>()[i], expected_b1[i]) << i;

  const NDArray scalar = read_npy(path("scalar.npy"));
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(scalar.item<double>(), 2.5);

  const NDArray empty = read_npy(path("empty.npy"));
  EXPECT_EQ(empty.shape(), (Shape{0, 3}));
  EXPECT_EQ(empty.dtype(), DType::float32);

  const NDArray fortran = read_npy(path("fortran.npy"));
  EXPECT_TRUE(read_npy_header(path("fortran.npy")).fortran_order);
  ASSERT_EQ(fortran.shape(), (Shape{2, 3, 4}));
  for (int i = 0; i < 24; ++i) EXPECT_EQ(fortran.data<double>()[i], i);

  const NDArray big = read_npy(path("big.npy"));
  EXPECT_TRUE(read_npy_header(path("big.npy")).byteswapped);
  ASSERT_EQ(big.shape(), (Shape{3, 2}));
  for (int i = 0; i < 6; ++i) EXPECT_EQ(big.data<double>()[i], i);

  for (int v : {1, 2, 3}) {
    const std::string file = path("v" + std::to_string(v) + ".npy");
    EXPECT_EQ(read_npy_header(file).version_major, v);
    const NDArray back = read_npy(file);
    ASSERT_EQ(back.shape(), (Shape{5}));
    EXPECT_EQ(back.data<std::int64_t>()[4], 28);
  }
}

TEST_F(NpyNumPy, NumPyReadsWhatTesseraWrites) {
  NDArray i8({2, 3, 4}, DType::int64);
  for (int i = 0; i < 24; ++i) i8.data<std::int64_t>()[i] = i * 3 - 7;
  write_npy(path("i8.npy"), i8);

  const std::vector<std::uint32_t> f4_bits = {0x3fc00000, 0x80000000, 0x7f800000,
                                              0xff800000, 0x7fc00123, 0x00000001};
  write_npy(path("f4.npy"), make_array<float>({2, 3}, [&] {
              std::vector<float> v;
              for (std::uint32_t b : f4_bits) v.push_back(from_bits<float>(b));
              return v;
            }()));
  const std::vector<std::uint64_t> f8_bits = {0x7ff8000000000123, 0x7ff0000000000001,
                                              0x8000000000000000, 0x3ff8000000000000};
  std::vector<double> f8;
  for (std::uint64_t b : f8_bits) f8.push_back(from_bits<double>(b));
  write_npy(path("f8.npy"), make_array<double>({4}, f8));
  write_npy(path("b1.npy"), make_array<bool>({3, 1}, {true, false, true}));
  write_npy(path("scalar.npy"), make_array<double>({}, {-0.5}));
  write_npy(path("empty.npy"), NDArray({2, 0}, DType::int64));
  {
    NpyWriter writer(path("stream.npy"), {4}, DType::float64);
    for (double x : {1.0, 2.0, 3.0, 4.0}) writer.write(&x, sizeof x);
    writer.close();
  }

  std::string output;
  EXPECT_EQ(python(R"PY(
def load(name, dtype, shape):
    path = d + "/" + name
    with open(path, "rb") as f:
        version = np.lib.format.read_magic(f)
        assert version == (1, 0), version
        np.lib.format.read_array_header_1_0(f)
        assert f.tell() % 64 == 0, (name, f.tell())
    a = np.load(path)
    assert a.dtype == np.dtype(dtype), (name, a.dtype)
    assert a.shape == shape, (name, a.shape)
    m = np.load(path, mmap_mode="r")
    assert m.shape == shape
    return a

a = load("i8.npy", "<i8", (2, 3, 4))
assert (a == np.arange(24).reshape(2, 3, 4) * 3 - 7).all(), a
a = load("f4.npy", "<f4", (2, 3))
assert (a.view("<u4").ravel() == [0x3fc00000, 0x80000000, 0x7f800000, 0xff800000, 0x7fc00123, 1]).all()
a = load("f8.npy", "<f8", (4,))
assert (a.view("<u8") == np.array([0x7ff8000000000123, 0x7ff0000000000001, 0x8000000000000000,
                                   0x3ff8000000000000], dtype="<u8")).all(), a.view("<u8")
a = load("b1.npy", "|b1", (3, 1))
assert (a.ravel() == [True, False, True]).all(), a
a = load("scalar.npy", "<f8", ())
assert a == -0.5
a = load("empty.npy", "<i8", (2, 0))
a = load("stream.npy", "<f8", (4,))
assert (a == [1, 2, 3, 4]).all(), a
print("ok")
)PY",
                   output),
            0)
      << output;
}

}  // namespace
