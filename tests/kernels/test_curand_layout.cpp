// tessera's Philox layout against cuRAND itself, without a GPU: the host generator
// (curandCreateGeneratorHost) for bulk 32-bit and double output, and cuRAND's device Philox
// function compiled for the host.
#include <curand.h>
#include <curand_philox4x32_x.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "tessera/kernels/philox.hpp"

namespace tessera::kernels {
namespace {

// Seeds with zero, small, and nonzero high 32 bits (the key's second word).
constexpr std::uint64_t kSeeds[] = {0,
                                    1,
                                    42,
                                    0x0123456789abcdefull,
                                    0xffffffff00000000ull,
                                    0xdeadbeefcafef00dull,
                                    ~std::uint64_t{0}};

// More than 1M values and several 262144-value periods (each period is one position of all 65536
// subsequences), ending mid-block.
constexpr std::size_t kCount = (std::size_t{1} << 20) + 4099;

// A cuRAND Philox host generator seeded with `seed` at `offset`, destroyed on scope exit.
class HostGenerator {
 public:
  HostGenerator(std::uint64_t seed, unsigned long long offset) {
    status_ = curandCreateGeneratorHost(&gen_, CURAND_RNG_PSEUDO_PHILOX4_32_10);
    if (status_ != CURAND_STATUS_SUCCESS) return;
    status_ = curandSetPseudoRandomGeneratorSeed(gen_, seed);
    if (status_ == CURAND_STATUS_SUCCESS) status_ = curandSetGeneratorOffset(gen_, offset);
  }
  ~HostGenerator() {
    if (gen_ != nullptr) curandDestroyGenerator(gen_);
  }
  HostGenerator(const HostGenerator&) = delete;
  HostGenerator& operator=(const HostGenerator&) = delete;

  bool ok() const { return status_ == CURAND_STATUS_SUCCESS; }
  curandStatus_t status() const { return status_; }
  curandGenerator_t get() const { return gen_; }

 private:
  curandGenerator_t gen_ = nullptr;
  curandStatus_t status_ = CURAND_STATUS_NOT_INITIALIZED;
};

// Compares cuRAND's 32-bit outputs from `offset` on with uint32_output.
void expect_uint32_stream(std::uint64_t seed, unsigned long long offset, std::size_t count) {
  HostGenerator gen(seed, offset);
  if (!gen.ok())
    GTEST_SKIP() << "cuRAND host generator unavailable (status " << gen.status() << ")";
  std::vector<unsigned int> got(count);
  ASSERT_EQ(curandGenerate(gen.get(), got.data(), count), CURAND_STATUS_SUCCESS);
  std::size_t mismatches = 0;
  for (std::size_t k = 0; k < count; ++k) {
    if (got[k] != uint32_output(seed, offset + k) && mismatches++ < 5) {
      ADD_FAILURE() << "seed " << seed << " index " << offset + k;
    }
  }
  EXPECT_EQ(mismatches, 0u) << "seed " << seed << " offset " << offset;
}

// Compares cuRAND's doubles (generator at `offset` 32-bit values) with uniform_double from
// `first` on.
void expect_double_stream(std::uint64_t seed, unsigned long long offset, std::uint64_t first,
                          std::size_t count) {
  HostGenerator gen(seed, offset);
  if (!gen.ok())
    GTEST_SKIP() << "cuRAND host generator unavailable (status " << gen.status() << ")";
  std::vector<double> got(count);
  ASSERT_EQ(curandGenerateUniformDouble(gen.get(), got.data(), count), CURAND_STATUS_SUCCESS);
  std::size_t mismatches = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (got[i] != uniform_double(seed, first + i) && mismatches++ < 5) {
      ADD_FAILURE() << "seed " << seed << " double " << first + i;
    }
  }
  EXPECT_EQ(mismatches, 0u) << "seed " << seed << " first " << first;
}

TEST(CurandLayout, Uint32MatchesHostGenerator) {
  for (const std::uint64_t seed : kSeeds) expect_uint32_stream(seed, 0, kCount);
}

TEST(CurandLayout, Uint32MatchesHostGeneratorFarOut) {
  // curandSetGeneratorOffset counts 32-bit values, so output k is element offset + k; these reach
  // positions past 2^32 (counter word y).
  for (const unsigned long long offset : {1048583ull, (1ull << 32) + 5, (1ull << 52) * 4 + 1}) {
    expect_uint32_stream(0xdeadbeefcafef00dull, offset, 70001);
  }
}

TEST(CurandLayout, UniformDoubleMatchesHostGenerator) {
  for (const std::uint64_t seed : kSeeds) expect_double_stream(seed, 0, 0, kCount);
}

TEST(CurandLayout, UniformDoubleMatchesHostGeneratorFarOut) {
  // A double stream at offset 2 * 262144 * m (32-bit values) is the offset-0 double stream from
  // element 262144 * m on; m = 2^31 + 5 puts the positions past 2^32.
  for (const std::uint64_t m : {1ull, (1ull << 20) + 3, (1ull << 31) + 5}) {
    expect_double_stream(0x0123456789abcdefull, 2 * 262144 * m, 262144 * m, 300001);
  }
}

TEST(CurandLayout, DeviceFunctionMatchesTessera) {
  // cuRAND's device Philox is plain C++ outside nvcc; compare it on the KATs and a spread of
  // counters and keys.
  std::uint32_t mix = 0x9e3779b9u;
  auto next = [&mix] { return mix = mix * 1664525u + 1013904223u; };
  for (int i = 0; i < 100000; ++i) {
    const Uint4x32 c{next(), next(), next(), next()};
    const Uint2x32 k{next(), next()};
    const uint4 want = curand_Philox4x32_10(make_uint4(c.x, c.y, c.z, c.w), make_uint2(k.x, k.y));
    const Uint4x32 got = philox4x32_10(c, k);
    ASSERT_EQ(got.x, want.x);
    ASSERT_EQ(got.y, want.y);
    ASSERT_EQ(got.z, want.z);
    ASSERT_EQ(got.w, want.w);
  }
}

}  // namespace
}  // namespace tessera::kernels
