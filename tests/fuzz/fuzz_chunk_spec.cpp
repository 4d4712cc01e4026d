// Fuzzes chunk specs as JSON spells them. An object with "format" is an npy stack's manifest,
// parsed as from_npy_stack does; any other {"shape": [...], "chunks": c}, with c one size, a size
// per dimension or explicit lists, goes to ChunkSpec::normalize(). Either may only throw
// std::invalid_argument, or return chunks that tile the shape exactly.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include "io/stack_manifest.hpp"
#include "tessera/chunks.hpp"

namespace {

using tessera::Chunks;
using tessera::ChunkSpec;
using tessera::Shape;
using tessera::detail::json_int64s;

const std::string where = "fuzz/manifest.json";

void check_tiling(const Shape& shape, const Chunks& chunks) {
  if (chunks.size() != shape.size())
    throw std::logic_error("fuzz_chunk_spec: chunks and shape differ in dimensions");
  for (std::size_t d = 0; d < shape.size(); ++d) {
    std::int64_t total = 0;
    for (std::int64_t s : chunks[d])
      if (s < 0 || (s == 0 && shape[d] != 0) || __builtin_add_overflow(total, s, &total))
        throw std::logic_error("fuzz_chunk_spec: a chunk size that cannot tile the extent");
    if (total != shape[d] || chunks[d].empty())
      throw std::logic_error("fuzz_chunk_spec: chunks do not sum to the extent");
  }
}

// Specs making between 2^20 chunks and the library's limit along a dimension are valid but slow
// to list: skipped, so the fuzzer spends its time elsewhere (beyond the limit they are refused).
constexpr std::int64_t kSlowChunks = 1 << 20;

// The spec, or nullopt for a valid one too slow to fuzz.
std::optional<ChunkSpec> spec_of(const nlohmann::json& chunks, const Shape& shape) {
  if (chunks.is_array() && !chunks.empty() && chunks.front().is_array()) {
    Chunks lists;
    for (const auto& sizes : chunks) lists.push_back(json_int64s(sizes, "chunks", where));
    return ChunkSpec(lists);
  }
  const bool per_dim = chunks.is_array();
  const std::vector<std::int64_t> sizes =
      json_int64s(per_dim ? chunks : nlohmann::json::array({chunks}), "chunks", where);
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (per_dim && d >= sizes.size()) break;  // normalize() reports the mismatch
    const std::int64_t size = sizes[per_dim ? d : 0];
    const std::int64_t count = size > 0 ? shape[d] / size : 0;
    if (count > kSlowChunks && count <= tessera::kMaxChunksPerDimension) return std::nullopt;
  }
  return per_dim ? ChunkSpec(sizes) : ChunkSpec(sizes[0]);
}

void check_spec(const nlohmann::json& input) {
  Chunks chunks;
  Shape shape;
  try {
    shape = json_int64s(input["shape"], "shape", where);
    tessera::check_shape(shape);
    const std::optional<ChunkSpec> spec = spec_of(input["chunks"], shape);
    if (!spec) return;
    chunks = spec->normalize(shape);
  } catch (const std::invalid_argument&) {
    return;
  }
  check_tiling(shape, chunks);
  (void)tessera::chunksize(chunks);
  for (const auto& sizes : chunks) (void)tessera::chunk_boundaries(sizes);
}

void check_manifest(std::string_view text) {
  tessera::detail::StackManifest manifest;
  try {
    manifest = tessera::detail::parse_stack_manifest(text, where);
  } catch (const std::invalid_argument&) {
    return;
  }
  check_tiling(manifest.shape, manifest.chunks);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const auto input = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (input.is_object() && input.contains("format"))
    check_manifest(text);
  else if (input.is_object() && input.contains("shape") && input.contains("chunks"))
    check_spec(input);
  return 0;
}
