#pragma once
// Random arrays (dask.array.random). Element i (row-major flat index) of random(shape, chunks,
// seed) is the uniform double cuRAND's Philox4x32-10 generator writes at i for that seed: the
// value depends on the seed and the index only — not on chunking, workers or device — and is
// generated inside the consuming kernel, never stored.

#include <cstdint>
#include <optional>

#include "tessera/array.hpp"

namespace tessera::random {

/// Uniform doubles in (0, 1] (cuRAND's convention); a fresh seed when none is given.
Array random(const Shape& shape, const ChunkSpec& chunks, std::optional<std::uint64_t> seed = {});
/// Uniform in [low, high) scaled from random().
Array uniform(double low, double high, const Shape& shape, const ChunkSpec& chunks,
              std::optional<std::uint64_t> seed = {});
/// Normal with mean and standard deviation.
Array normal(double mean, double std, const Shape& shape, const ChunkSpec& chunks,
             std::optional<std::uint64_t> seed = {});

/// A seeded stream of arrays (numpy.random.default_rng): the first array uses the seed itself,
/// each later one a seed derived from it (splitmix64), so a program's arrays are reproducible.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : seed_(seed) {}
  Array random(const Shape& shape, const ChunkSpec& chunks, DType dtype = DType::float64);
  Array uniform(double low, double high, const Shape& shape, const ChunkSpec& chunks);
  Array normal(double mean, double std, const Shape& shape, const ChunkSpec& chunks);
  Array standard_normal(const Shape& shape, const ChunkSpec& chunks);
  /// The seed the next array will use.
  std::uint64_t next_seed() const;

 private:
  std::uint64_t take_seed();
  std::uint64_t seed_;
  std::uint64_t calls_ = 0;
};

/// A generator seeded with `seed`.
Generator default_rng(std::uint64_t seed);

}  // namespace tessera::random
