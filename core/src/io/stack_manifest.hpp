#pragma once
// The manifest.json of an npy stack (written by to_npy_stack), read and checked before any chunk
// file is opened: a manifest is input, and a bad one must be a clear error, never undefined
// behaviour (a shape of 4.5e19, chunk sizes whose sum overflows, a file name "../x.npy").

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "tessera/chunks.hpp"
#include "tessera/dtype.hpp"

namespace tessera::detail {

struct StackManifest {
  Shape shape;
  DType dtype = DType::float64;
  Chunks chunks;                   ///< they tile the shape
  std::vector<std::string> files;  ///< one plain file name per chunk, row-major over the chunks
};

/// Parses and checks a manifest's text; throws std::invalid_argument naming `path` and what is
/// wrong: not JSON, another format, a shape or chunk size that is not an integer in int64's
/// range, chunks that do not tile the shape, a file name with a directory part, or a number of
/// files other than the number of chunks.
StackManifest parse_stack_manifest(std::string_view text, const std::string& path);

/// The integers of a JSON array (shape extents, chunk sizes), each within int64's range; throws
/// std::invalid_argument naming `what` and `path` otherwise.
std::vector<std::int64_t> json_int64s(const nlohmann::json& value, std::string_view what,
                                      const std::string& path);

}  // namespace tessera::detail
