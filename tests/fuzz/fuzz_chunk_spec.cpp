// Fuzzes chunk specs as an npy stack's manifest spells them: JSON {"shape": [...], "chunks": c}
// where c is one size, a size per dimension, or explicit lists. normalize() must either throw
// std::invalid_argument or return chunks that tile the shape exactly.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "tessera/chunks.hpp"

namespace {

using tessera::Chunks;
using tessera::ChunkSpec;
using tessera::Shape;

ChunkSpec spec_of(const nlohmann::json& chunks) {
  if (chunks.is_number_integer()) return ChunkSpec(chunks.get<std::int64_t>());
  if (chunks.is_array() && !chunks.empty() && chunks.front().is_array())
    return ChunkSpec(chunks.get<Chunks>());
  return ChunkSpec(chunks.get<std::vector<std::int64_t>>());
}

// A size of s over an extent makes extent / s chunks: beyond this many the lists alone would not
// fit in memory, which normalize() does not check yet (recorded in tests/fuzz/pending/).
constexpr std::int64_t max_chunks = 1 << 20;

bool would_make_too_many_chunks(const Shape& shape, const nlohmann::json& chunks) {
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (chunks.is_array() && d >= chunks.size()) break;  // normalize() reports the mismatch
    const nlohmann::json& size = chunks.is_array() ? chunks[d] : chunks;
    if (size.is_number_integer() && size.get<std::int64_t>() > 0 &&
        shape[d] / size.get<std::int64_t>() > max_chunks)
      return true;
  }
  return false;
}

void check_tiling(const Shape& shape, const Chunks& chunks) {
  if (chunks.size() != shape.size())
    throw std::logic_error("fuzz_chunk_spec: chunks and shape differ in dimensions");
  for (std::size_t d = 0; d < shape.size(); ++d) {
    std::int64_t total = 0;
    for (std::int64_t s : chunks[d]) {
      if (s < 0 || (s == 0 && shape[d] != 0) || __builtin_add_overflow(total, s, &total))
        throw std::logic_error("fuzz_chunk_spec: a chunk size that cannot tile the extent");
    }
    if (total != shape[d] || chunks[d].empty())
      throw std::logic_error("fuzz_chunk_spec: chunks do not sum to the extent");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto input = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (!input.is_object() || !input.contains("shape") || !input.contains("chunks")) return 0;
  Shape shape;
  ChunkSpec spec(1);
  try {
    shape = input["shape"].get<Shape>();
    spec = spec_of(input["chunks"]);
    tessera::check_shape(shape);
    if (would_make_too_many_chunks(shape, input["chunks"])) return 0;
  } catch (const nlohmann::json::exception&) {
    return 0;  // not a shape and chunks as a manifest writes them
  } catch (const std::invalid_argument&) {
    return 0;
  }
  Chunks chunks;
  try {
    chunks = spec.normalize(shape);
  } catch (const std::invalid_argument&) {
    return 0;
  }
  check_tiling(shape, chunks);
  (void)tessera::numblocks(chunks);
  (void)tessera::chunksize(chunks);
  for (const auto& sizes : chunks) (void)tessera::chunk_boundaries(sizes);
  return 0;
}
