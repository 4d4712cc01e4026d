#include "tessera/random.hpp"

#include <atomic>
#include <random>

#include "array/array_node.hpp"
#include "tessera/detail/seed_source.hpp"

namespace tessera {
namespace {
std::atomic<bool> seeded_source{false};
std::atomic<std::uint64_t> source_base{0}, source_calls{0};
}  // namespace

void detail::set_seed_source(std::uint64_t base) {
  source_base.store(base, std::memory_order_relaxed);
  source_calls.store(0, std::memory_order_relaxed);
  seeded_source.store(true, std::memory_order_release);
}
}  // namespace tessera

namespace tessera::random {
namespace {

using kernels::Op;

Array random_leaf(const char* name, Op op, double a, double b, const Shape& shape,
                  const ChunkSpec& chunks, std::uint64_t seed, DType dtype) {
  using detail::Node;
  Node::Leaf leaf;
  leaf.instruction.op = op;
  leaf.instruction.a = a;
  leaf.instruction.b = b;
  leaf.instruction.seed = seed;
  leaf.instruction.dtype = dtype;
  return Array(
      std::make_shared<Node>(std::move(leaf), name, shape, chunks.normalize(shape), dtype));
}

// splitmix64: well-mixed seeds for a generator's later arrays.
std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

std::uint64_t fresh_seed() {
  if (seeded_source.load(std::memory_order_acquire))
    return splitmix64(source_base.load(std::memory_order_relaxed) +
                      source_calls.fetch_add(1, std::memory_order_relaxed));
  std::random_device device;
  return (static_cast<std::uint64_t>(device()) << 32) ^ device();
}

}  // namespace

Array random(const Shape& shape, const ChunkSpec& chunks, std::optional<std::uint64_t> seed) {
  return random_leaf("random_sample", Op::load_uniform, 0, 1, shape, chunks,
                     seed.value_or(fresh_seed()), DType::float64);
}

Array uniform(double low, double high, const Shape& shape, const ChunkSpec& chunks,
              std::optional<std::uint64_t> seed) {
  return random_leaf("uniform", Op::load_uniform, low, high, shape, chunks,
                     seed.value_or(fresh_seed()), DType::float64);
}

Array normal(double mean, double std, const Shape& shape, const ChunkSpec& chunks,
             std::optional<std::uint64_t> seed) {
  if (!(std >= 0))
    throw std::invalid_argument("normal: invalid std " + std::to_string(std) + ": must be >= 0");
  return random_leaf("normal", Op::load_normal, mean, std, shape, chunks,
                     seed.value_or(fresh_seed()), DType::float64);
}

std::uint64_t Generator::next_seed() const {
  return calls_ == 0 ? seed_ : splitmix64(seed_ + calls_);
}

std::uint64_t Generator::take_seed() {
  const std::uint64_t seed = next_seed();
  ++calls_;
  return seed;
}

Array Generator::random(const Shape& shape, const ChunkSpec& chunks, DType dtype) {
  if (dtype == DType::float32)
    return random_leaf("random_sample", Op::load_uniform_f32, 0, 1, shape, chunks, take_seed(),
                       DType::float32);
  if (dtype != DType::float64)
    throw std::invalid_argument("Generator.random: dtype " + std::string(dtype_name(dtype)) +
                                " is not supported (float64 or float32)");
  return random_leaf("random_sample", Op::load_uniform, 0, 1, shape, chunks, take_seed(),
                     DType::float64);
}

Array Generator::uniform(double low, double high, const Shape& shape, const ChunkSpec& chunks) {
  return tessera::random::uniform(low, high, shape, chunks, take_seed());
}

Array Generator::normal(double mean, double std, const Shape& shape, const ChunkSpec& chunks) {
  return tessera::random::normal(mean, std, shape, chunks, take_seed());
}

Array Generator::standard_normal(const Shape& shape, const ChunkSpec& chunks) {
  return normal(0, 1, shape, chunks);
}

Generator default_rng(std::uint64_t seed) {
  return Generator(seed);
}

}  // namespace tessera::random
