#pragma once
// How an array is cut into chunks, with Dask's semantics: one size per dimension (the last chunk
// smaller), -1 for a whole dimension, or explicit per-dimension lists.

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "tessera/ndarray.hpp"

namespace tessera {

/// Chunk sizes per dimension, e.g. {{1000, 1000, 500}, {2000, 500}}.
using Chunks = std::vector<std::vector<std::int64_t>>;

/// What a user passes as chunks: a size for every dimension (`5`), a size per dimension
/// (`{1000, 1000}`), or explicit lists (`Chunks{{2, 3}, {5}}`).
class ChunkSpec {
 public:
  ChunkSpec(std::int64_t size_for_every_dim);  // NOLINT(google-explicit-constructor)
  ChunkSpec(int size_for_every_dim)
      : ChunkSpec(static_cast<std::int64_t>(size_for_every_dim)) {}  // NOLINT
  ChunkSpec(std::initializer_list<std::int64_t> sizes);  // NOLINT(google-explicit-constructor)
  ChunkSpec(std::vector<std::int64_t> sizes);            // NOLINT(google-explicit-constructor)
  ChunkSpec(Chunks explicit_chunks);                     // NOLINT(google-explicit-constructor)

  /// Resolves against a shape (Dask's normalize_chunks); throws std::invalid_argument naming the
  /// bad value (zero/negative sizes, wrong number of dimensions, lists not summing to the extent).
  Chunks normalize(const Shape& shape) const;

 private:
  enum class Kind { uniform, per_dim, explicit_lists } kind_;
  std::int64_t uniform_ = 0;
  std::vector<std::int64_t> sizes_;
  Chunks explicit_;
};

/// Offsets where chunks start along one dimension, plus the extent at the end.
std::vector<std::int64_t> chunk_boundaries(const std::vector<std::int64_t>& sizes);
/// Number of chunks per dimension.
std::vector<std::int64_t> numblocks(const Chunks& chunks);
/// The largest chunk along each dimension (Dask's chunksize).
Shape chunksize(const Chunks& chunks);
/// Chunks whose boundaries are the union of both (Dask's unify_chunks for one dimension).
std::vector<std::int64_t> common_refinement(const std::vector<std::int64_t>& a,
                                            const std::vector<std::int64_t>& b);
/// Validates a shape: throws std::invalid_argument naming a negative extent.
void check_shape(const Shape& shape);

/// The most chunks one dimension may have (a list of their sizes is 128 MiB; a graph of that many
/// tasks would not finish anyway): more is an std::invalid_argument naming the extent and size.
inline constexpr std::int64_t kMaxChunksPerDimension = std::int64_t{1} << 24;
/// "(10000, 10000)" or "()" or "(20,)".
std::string format_shape(const Shape& shape);

}  // namespace tessera
