#include "stack_manifest.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace tessera::detail {
namespace {

[[noreturn]] void bad(const std::string& path, std::string_view what) {
  throw std::invalid_argument(fmt::format("'{}': bad npy stack manifest: {}", path, what));
}

// Explicit chunk lists checked before normalize() sums them: that sum must not overflow.
Chunks chunk_lists(const nlohmann::json& value, const std::string& path) {
  if (!value.is_array())
    bad(path, fmt::format("chunks must be a list of lists, not {}", value.dump()));
  Chunks chunks;
  for (std::size_t d = 0; d < value.size(); ++d) {
    std::vector<std::int64_t> sizes =
        json_int64s(value[d], fmt::format("chunks of dimension {}", d), path);
    std::int64_t total = 0;
    for (std::int64_t size : sizes)
      if (size < 0 || __builtin_add_overflow(total, size, &total))
        bad(path, fmt::format("chunks of dimension {} have a negative size or sum past 2^63", d));
    chunks.push_back(std::move(sizes));
  }
  return chunks;
}

// A name to_npy_stack writes: nothing that reaches outside the stack's directory.
bool plain_file_name(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

}  // namespace

std::vector<std::int64_t> json_int64s(const nlohmann::json& value, std::string_view what,
                                      const std::string& path) {
  // nlohmann keeps 2^63 and above as unsigned and 4.5e19 as a float: neither converts safely.
  auto integer = [](const nlohmann::json& v) {
    return v.is_number_integer() &&
           (!v.is_number_unsigned() ||
            v.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX));
  };
  if (!value.is_array() || !std::all_of(value.begin(), value.end(), integer))
    bad(path, fmt::format("{} must be a list of integers within int64's range, not {}", what,
                          value.dump()));
  return value.get<std::vector<std::int64_t>>();
}

StackManifest parse_stack_manifest(std::string_view text, const std::string& path) {
  const auto manifest = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (manifest.is_discarded()) bad(path, "not JSON");
  if (!manifest.is_object() || manifest.value("format", nlohmann::json()) != "tessera-npy-stack")
    bad(path, "not a tessera-npy-stack manifest");
  for (const char* key : {"shape", "dtype", "chunks", "files"})
    if (!manifest.contains(key)) bad(path, fmt::format("no '{}'", key));
  StackManifest out;
  out.shape = json_int64s(manifest["shape"], "shape", path);
  if (!manifest["dtype"].is_string()) bad(path, "dtype must be a string");
  const Chunks chunks = chunk_lists(manifest["chunks"], path);
  try {
    out.dtype = parse_dtype(manifest["dtype"].get<std::string>());
    out.chunks = ChunkSpec(chunks).normalize(out.shape);
  } catch (const std::invalid_argument& e) {
    bad(path, e.what());
  }
  const nlohmann::json& files = manifest["files"];
  if (!files.is_array()) bad(path, "files must be a list of file names");
  for (const auto& name : files) {
    if (!name.is_string() || !plain_file_name(name.get<std::string>()))
      bad(path,
          fmt::format("file {} is not a plain file name in the stack's directory", name.dump()));
    out.files.push_back(name.get<std::string>());
  }
  std::uint64_t expected = 1;
  for (const auto& sizes : out.chunks)
    if (__builtin_mul_overflow(expected, sizes.size(), &expected)) expected = UINT64_MAX;
  if (out.files.size() != expected)
    bad(path, fmt::format("{} chunk files listed, the chunks need {}", out.files.size(), expected));
  return out;
}

}  // namespace tessera::detail
