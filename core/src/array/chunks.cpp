#include "tessera/chunks.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <limits>
#include <optional>
#include <stdexcept>

#include "array/checked_count.hpp"
#include "tessera/kernels/program.hpp"  // kMaxDims: the kernels index at most that many axes

namespace tessera {
namespace {

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

std::vector<std::int64_t> split(std::int64_t extent, std::int64_t size, int dim) {
  if (size == -1) size = std::max<std::int64_t>(extent, 1);
  if (size <= 0)
    throw std::invalid_argument(fmt::format(
        "invalid chunk size {} for dimension {}: must be >= 1 (or -1 for the whole dimension)",
        size, dim));
  if (extent == 0) return {0};
  if (const std::int64_t count = extent / size + (extent % size != 0);
      count > kMaxChunksPerDimension)
    throw std::invalid_argument(fmt::format(
        "chunk size {} for dimension {} of extent {} makes {} chunks: at most {} per dimension",
        size, dim, extent, count, kMaxChunksPerDimension));
  std::vector<std::int64_t> sizes(static_cast<std::size_t>(extent / size), size);
  if (extent % size) sizes.push_back(extent % size);
  return sizes;
}

}  // namespace

ChunkSpec::ChunkSpec(std::int64_t size) : kind_(Kind::uniform), uniform_(size) {}
ChunkSpec::ChunkSpec(std::initializer_list<std::int64_t> sizes)
    : kind_(Kind::per_dim), sizes_(sizes) {}
ChunkSpec::ChunkSpec(std::vector<std::int64_t> sizes)
    : kind_(Kind::per_dim), sizes_(std::move(sizes)) {}
ChunkSpec::ChunkSpec(Chunks explicit_chunks)
    : kind_(Kind::explicit_lists), explicit_(std::move(explicit_chunks)) {}

Chunks ChunkSpec::normalize(const Shape& shape) const {
  check_shape(shape);
  const int ndim = static_cast<int>(shape.size());
  Chunks chunks;
  switch (kind_) {
    case Kind::uniform:
      for (int d = 0; d < ndim; ++d) chunks.push_back(split(shape[d], uniform_, d));
      return chunks;
    case Kind::per_dim:
      if (static_cast<int>(sizes_.size()) != ndim)
        throw std::invalid_argument(fmt::format("chunks {} have {} dimensions, shape {} has {}",
                                                sizes_, sizes_.size(), format_shape(shape), ndim));
      for (int d = 0; d < ndim; ++d) chunks.push_back(split(shape[d], sizes_[d], d));
      return chunks;
    case Kind::explicit_lists:
      break;
  }
  if (static_cast<int>(explicit_.size()) != ndim)
    throw std::invalid_argument(fmt::format("chunks {} have {} dimensions, shape {} has {}",
                                            explicit_, explicit_.size(), format_shape(shape),
                                            ndim));
  for (int d = 0; d < ndim; ++d) {
    const auto& sizes = explicit_[d];
    for (std::int64_t s : sizes)
      if (s < 0 || (s == 0 && shape[d] != 0))
        throw std::invalid_argument(
            fmt::format("invalid chunk size {} in dimension {}: chunks {}", s, d, sizes));
    const std::optional<std::int64_t> total = detail::checked_sum(sizes);
    if (!total)
      throw std::invalid_argument(
          fmt::format("chunks {} of dimension {} sum to more than {}, the extent is {}", sizes, d,
                      kInt64Max, shape[d]));
    if (*total != shape[d] || sizes.empty())
      throw std::invalid_argument(fmt::format(
          "chunks {} of dimension {} sum to {}, the extent is {}", sizes, d, *total, shape[d]));
  }
  return explicit_;
}

std::vector<std::int64_t> chunk_boundaries(const std::vector<std::int64_t>& sizes) {
  std::vector<std::int64_t> bounds{0};
  for (std::int64_t s : sizes) bounds.push_back(bounds.back() + s);
  return bounds;
}

std::vector<std::int64_t> numblocks(const Chunks& chunks) {
  std::vector<std::int64_t> n;
  for (const auto& c : chunks) n.push_back(static_cast<std::int64_t>(c.size()));
  return n;
}

Shape chunksize(const Chunks& chunks) {
  Shape size;
  for (const auto& c : chunks)
    size.push_back(c.empty() ? 0 : *std::max_element(c.begin(), c.end()));
  return size;
}

std::vector<std::int64_t> common_refinement(const std::vector<std::int64_t>& a,
                                            const std::vector<std::int64_t>& b) {
  auto ba = chunk_boundaries(a), bb = chunk_boundaries(b);
  std::vector<std::int64_t> merged;
  std::set_union(ba.begin(), ba.end(), bb.begin(), bb.end(), std::back_inserter(merged));
  std::vector<std::int64_t> sizes;
  for (std::size_t i = 1; i < merged.size(); ++i) sizes.push_back(merged[i] - merged[i - 1]);
  if (sizes.empty()) sizes.push_back(0);
  return sizes;
}

void check_shape(const Shape& shape) {
  if (shape.size() > static_cast<std::size_t>(kernels::kMaxDims))
    throw std::invalid_argument(fmt::format("shape {} has {} dimensions; at most {} are supported",
                                            format_shape(shape), shape.size(), kernels::kMaxDims));
  for (std::size_t d = 0; d < shape.size(); ++d)
    if (shape[d] < 0)
      throw std::invalid_argument(
          fmt::format("invalid shape {}: negative extent {} in dimension {}", format_shape(shape),
                      shape[d], d));
  if (!detail::checked_product(shape))
    throw std::invalid_argument(
        fmt::format("invalid shape {}: more than {} elements", format_shape(shape), kInt64Max));
}

namespace detail {

std::int64_t nbytes_or_throw(std::string_view what, const Shape& shape, DType dtype) {
  const std::optional<std::int64_t> bytes = checked_nbytes(shape, dtype);
  if (!bytes)
    throw std::invalid_argument(
        fmt::format("{}: an array of shape {} and dtype {} takes more than {} bytes", what,
                    format_shape(shape), dtype_name(dtype), kInt64Max));
  return *bytes;
}

}  // namespace detail

std::string format_shape(const Shape& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

}  // namespace tessera
