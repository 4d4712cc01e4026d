// load_uniform_f32 and load_normal leaves against cuRAND's host generator (Philox, seed s,
// offset 0), bit for bit: per element (leaf_value, which GPU threads also run) and through the
// host tile interpreter (host::evaluate), which generates them in runs.
#include <curand.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "tessera/kernels/host/evaluate.hpp"
#include "tessera/kernels/host/generate.hpp"
#include "tessera/kernels/host/reduce.hpp"
#include "tessera/kernels/kokkos_runtime.hpp"
#include "tessera/kernels/program_eval.hpp"

namespace tessera::kernels {
namespace {

constexpr std::uint64_t kSeeds[] = {0, 42, 0x0123456789abcdefull, ~std::uint64_t{0}};
constexpr std::size_t kCount = (std::size_t{1} << 20) + 6;  // several 262144-double periods

// A cuRAND Philox host generator with `seed`, destroyed on scope exit.
class HostGenerator {
 public:
  explicit HostGenerator(std::uint64_t seed) {
    status_ = curandCreateGeneratorHost(&gen_, CURAND_RNG_PSEUDO_PHILOX4_32_10);
    if (status_ == CURAND_STATUS_SUCCESS) status_ = curandSetPseudoRandomGeneratorSeed(gen_, seed);
  }
  ~HostGenerator() {
    if (gen_ != nullptr) curandDestroyGenerator(gen_);
  }
  HostGenerator(const HostGenerator&) = delete;
  HostGenerator& operator=(const HostGenerator&) = delete;
  bool ok() const { return status_ == CURAND_STATUS_SUCCESS; }
  curandGenerator_t get() const { return gen_; }

 private:
  curandGenerator_t gen_ = nullptr;
  curandStatus_t status_ = CURAND_STATUS_NOT_INITIALIZED;
};

// A 1-D program of one leaf `op` reading element i at flat i.
Program leaf_program(Op op, std::uint64_t seed, double a, double b) {
  Program p;
  p.ndim = 1;
  p.size = 1;
  p.code[0].op = op;
  p.code[0].seed = seed;
  p.code[0].a = a;
  p.code[0].b = b;
  p.code[0].map.stride[0] = 1;
  return p;
}

// host::evaluate of a leaf over [0, n).
std::vector<double> evaluate_leaf(Op op, std::uint64_t seed, double a, double b, std::size_t n) {
  Box box;
  box.hi[0] = static_cast<std::int64_t>(n);
  std::vector<double> out(n);
  host::evaluate({}, leaf_program(op, seed, a, b), box, DType::float64, out.data());
  return out;
}

TEST(ArrayCurand, UniformFloatLeafMatchesCurandGenerateUniform) {
  for (const std::uint64_t seed : kSeeds) {
    HostGenerator gen(seed);
    if (!gen.ok()) GTEST_SKIP() << "cuRAND host generator unavailable";
    std::vector<float> want(kCount);
    ASSERT_EQ(curandGenerateUniform(gen.get(), want.data(), kCount), CURAND_STATUS_SUCCESS);
    const std::vector<double> tiles = evaluate_leaf(Op::load_uniform_f32, seed, 0, 1, kCount);
    const Instruction in = leaf_program(Op::load_uniform_f32, seed, 0, 1).code[0];
    for (std::size_t k = 0; k < kCount; ++k) {
      ASSERT_EQ(uniform_float(seed, k), want[k]) << "seed " << seed << " k " << k;
      ASSERT_GT(want[k], 0.0f);
      ASSERT_EQ(leaf_value(in, static_cast<std::int64_t>(k)), static_cast<double>(want[k]));
      ASSERT_EQ(tiles[k], static_cast<double>(want[k])) << "seed " << seed << " k " << k;
    }
  }
}

TEST(ArrayCurand, NormalLeafMatchesCurandGenerateNormalDouble) {
  for (const std::uint64_t seed : kSeeds) {
    for (const auto& [mean, stddev] : {std::pair{0.0, 1.0}, std::pair{3.0, 0.5}}) {
      HostGenerator gen(seed);
      if (!gen.ok()) GTEST_SKIP() << "cuRAND host generator unavailable";
      std::vector<double> want(kCount);
      ASSERT_EQ(curandGenerateNormalDouble(gen.get(), want.data(), kCount, mean, stddev),
                CURAND_STATUS_SUCCESS);
      const std::vector<double> tiles = evaluate_leaf(Op::load_normal, seed, mean, stddev, kCount);
      const Instruction in = leaf_program(Op::load_normal, seed, mean, stddev).code[0];
      std::size_t mismatches = 0;
      for (std::size_t k = 0; k < kCount; ++k) {
        const double per_element = leaf_value(in, static_cast<std::int64_t>(k));
        if ((per_element != want[k] || tiles[k] != want[k]) && mismatches++ < 5) {
          ADD_FAILURE() << "seed " << seed << " mean " << mean << " k " << k << ": cuRAND "
                        << want[k] << ", leaf_value " << per_element << ", tiles " << tiles[k];
        }
      }
      EXPECT_EQ(mismatches, 0u);
    }
  }
}

TEST(ArrayCurand, UniformDoubleLeafMatchesCurandThroughTiles) {
  HostGenerator gen(42);
  if (!gen.ok()) GTEST_SKIP() << "cuRAND host generator unavailable";
  std::vector<double> want(kCount);
  ASSERT_EQ(curandGenerateUniformDouble(gen.get(), want.data(), kCount), CURAND_STATUS_SUCCESS);
  const std::vector<double> tiles = evaluate_leaf(Op::load_uniform, 42, 0, 1, kCount);
  EXPECT_EQ(std::memcmp(tiles.data(), want.data(), kCount * sizeof(double)), 0);
}

}  // namespace
}  // namespace tessera::kernels
