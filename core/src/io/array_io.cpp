#include "tessera/array_io.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <numeric>
#include <optional>
#include <stdexcept>

#include "io/npy_layout.hpp"
#include "io/stack_manifest.hpp"
#include "lowering/array_lowering.hpp"
#include "lowering/box_copy.hpp"
#include "tessera/detail/npy_writer.hpp"
#include "tessera/detail/posix_file.hpp"
#include "tessera/executor.hpp"
#include "tessera/npy.hpp"
#include "tessera/run_graph.hpp"

namespace tessera {

using detail::FileChunks;
using detail::Node;
using Index = std::vector<std::int64_t>;

namespace {

constexpr const char* kManifest = "manifest.json";

std::string block_file_name(const Index& block) {
  return block.empty() ? std::string("0.npy") : fmt::format("{}.npy", fmt::join(block, "_"));
}

detail::PosixFile open_chunk_file(const std::string& path) {
  detail::PosixFile file(path, O_RDONLY);
  if (!file.is_open())
    throw std::runtime_error(fmt::format("cannot open '{}': {}", path, std::strerror(errno)));
  return file;
}

void read_at(const detail::PosixFile& file, void* out, std::size_t bytes, std::size_t offset,
             const std::string& path) {
  const std::int64_t got = file.read_at(out, bytes, offset);
  if (got != static_cast<std::int64_t>(bytes))
    throw std::runtime_error(
        fmt::format("cannot read '{}' at byte {}: {}", path, offset,
                    got < 0 ? std::strerror(errno) : "unexpected end of file"));
}

// Reads the block [lo, lo + extent) of a row-major array stored at `data_offset` in `path`, one
// contiguous run (the last dimension) per read, and turns it into native values.
std::shared_ptr<NDArray> read_block(const std::string& path, std::size_t data_offset,
                                    bool byteswapped, const Shape& shape, DType dtype,
                                    const Index& lo, const Index& extent) {
  auto block = std::make_shared<NDArray>(extent, dtype);
  if (block->size() == 0) return block;
  const detail::PosixFile file = open_chunk_file(path);
  const std::size_t element = dtype_size(dtype);
  const std::size_t ndim = shape.size();
  if (ndim == 0) {
    read_at(file, block->raw(), element, data_offset, path);
    npy_to_native(block->raw(), 1, dtype, byteswapped);
    return block;
  }
  const auto strides = detail::row_major_strides(shape);
  const std::size_t run = static_cast<std::size_t>(extent[ndim - 1]) * element;
  Index rows(extent.begin(), extent.end() - 1);
  std::size_t written = 0;
  auto read_row = [&](const Index& row) {
    std::int64_t flat = lo[ndim - 1];
    for (std::size_t d = 0; d + 1 < ndim; ++d) flat += (lo[d] + row[d]) * strides[d];
    read_at(file, static_cast<char*>(block->raw()) + written, run, data_offset + flat * element,
            path);
    written += run;
  };
  if (rows.empty())
    read_row(rows);
  else
    detail::for_each_index(rows, read_row);
  npy_to_native(block->raw(), block->size(), dtype, byteswapped);
  return block;
}

Array files_array(std::string name, const Shape& shape, Chunks chunks, DType dtype,
                  std::shared_ptr<const FileChunks> files) {
  return Array(std::make_shared<Node>(Node::Files{std::move(files)}, std::move(name), shape,
                                      std::move(chunks), dtype));
}

}  // namespace

namespace detail {

GridPtr lower_files(const NodePtr& node) {
  auto grid = std::make_shared<BlockGrid>();
  grid->shape = node->shape;
  grid->chunks = node->chunks;
  grid->dtype = node->dtype;
  Index bounds_count = numblocks(node->chunks);
  std::vector<Index> bounds;
  for (const auto& c : node->chunks) bounds.push_back(chunk_boundaries(c));
  std::size_t flat = 0;
  detail::for_each_index(bounds_count, [&](const Index& block) {
    Index lo(block.size()), extent(block.size());
    for (std::size_t d = 0; d < block.size(); ++d) {
      lo[d] = bounds[d][block[d]];
      extent[d] = bounds[d][block[d] + 1] - lo[d];
    }
    const auto files = std::get<Node::Files>(node->kind).chunks;
    const Shape shape = node->shape;
    const DType dtype = node->dtype;
    TaskFunction read;
    if (files->block_paths.empty() && files->fortran_order) {
      // Column-major data is the reversed-axes array in row-major order: read this block of that
      // one, then reorder its bytes (exactly: no evaluation as double on the way).
      read = [files, shape, dtype, lo, extent](std::span<const Value* const>,
                                               const TaskContext&) -> Value {
        auto reversed = [](const Index& index) { return Index(index.rbegin(), index.rend()); };
        const auto stored = read_block(files->path, files->data_offset, files->byteswapped,
                                       reversed(shape), dtype, reversed(lo), reversed(extent));
        auto block = std::make_shared<NDArray>(extent, dtype);
        fortran_to_row_major(stored->raw(), block->raw(), extent, dtype);
        return block;
      };
    } else if (files->block_paths.empty()) {
      read = [files, shape, dtype, lo, extent](std::span<const Value* const>,
                                               const TaskContext&) -> Value {
        return read_block(files->path, files->data_offset, files->byteswapped, shape, dtype, lo,
                          extent);
      };
    } else {
      const std::string path = files->block_paths[flat];
      read = [path, dtype, extent](std::span<const Value* const>, const TaskContext&) -> Value {
        NpyHeader header = read_npy_header(path);
        if (header.shape != extent || header.dtype != dtype)
          throw std::runtime_error(
              fmt::format("chunk file '{}' holds {} {}, the manifest says {} {}", path,
                          format_shape(header.shape), dtype_name(header.dtype),
                          format_shape(extent), dtype_name(dtype)));
        // A chunk file in Fortran order is read whole: it holds one chunk.
        if (header.fortran_order) return std::make_shared<NDArray>(read_npy(path));
        return read_block(path, header.data_offset, header.byteswapped, extent, dtype,
                          Index(extent.size(), 0), extent);
      };
    }
    grid->tasks.push_back(
        std::make_shared<const TaskNode>(node->name, std::vector<TaskPtr>{}, std::move(read)));
    ++flat;
  });
  return grid;
}

}  // namespace detail

Array from_npy(const std::string& path, const ChunkSpec& chunks) {
  const NpyHeader header = read_npy_header(path);
  auto files = std::make_shared<FileChunks>();
  files->path = path;
  files->data_offset = header.data_offset;
  files->byteswapped = header.byteswapped;
  files->fortran_order = header.fortran_order;
  return files_array("from-npy", header.shape, chunks.normalize(header.shape), header.dtype,
                     std::move(files));
}

void to_npy(const Array& array, const std::string& path) {
  detail::GridPtr grid = detail::Lowering(current_executor()->chunk_store()->chunk_limit())
                             .lower(detail::node_of(array));
  const Index nb = numblocks(array.chunks());
  // Blocks are row-major over the grid, so a band (one block index along axis 0; the one block
  // of a 0-d array) is a contiguous range of them, and its rows are contiguous in the file.
  const std::int64_t bands = nb.empty() ? 1 : nb[0];
  const std::size_t band_size = static_cast<std::size_t>(std::accumulate(
      nb.begin() + (nb.empty() ? 0 : 1), nb.end(), std::int64_t{1}, std::multiplies<>()));
  auto band_grid = [&](std::int64_t b) {
    detail::BlockGrid band;
    band.chunks = array.chunks();
    band.shape = array.shape();
    band.dtype = array.dtype();
    if (!nb.empty()) {
      band.chunks[0] = {array.chunks()[0][b]};
      band.shape[0] = band.chunks[0][0];
    }
    return band;
  };
  if (grid->stored) {  // persisted here: every block is at hand
    NpyWriter writer(path, array.shape(), array.dtype());
    for (std::int64_t b = 0; b < bands; ++b) {
      std::vector<std::shared_ptr<NDArray>> blocks;
      for (std::size_t k = b * band_size; k < (b + 1) * band_size; ++k)
        blocks.push_back(grid->stored->blocks[k]->load());
      const NDArray rows = detail::assemble(band_grid(b), blocks);
      writer.write(rows.raw(), rows.nbytes());
    }
    return writer.close();
  }
  // One band per computation, so memory holds one band, not the array. The file is written by
  // a task per band that reads the band's blocks, all of them with home 0: locally any worker
  // runs them; in a job of many processes (which all call to_npy alike) the first process
  // writes, only it receives the bands, and every process returns once its band is written,
  // or throws the writer's error.
  auto writer = std::make_shared<std::optional<NpyWriter>>();  // opened where the tasks run
  for (std::int64_t b = 0; b < bands; ++b) {
    std::vector<TaskPtr> blocks(grid->tasks.begin() + b * band_size,
                                grid->tasks.begin() + (b + 1) * band_size);
    TaskFunction write = [writer, band = band_grid(b), first = b == 0, last = b + 1 == bands, path,
                          shape = array.shape(), dtype = array.dtype()](
                             std::span<const Value* const> inputs, const TaskContext&) -> Value {
      if (first) writer->emplace(path, shape, dtype);
      std::vector<std::shared_ptr<NDArray>> parts;
      for (const Value* input : inputs) parts.push_back(input->get<std::shared_ptr<NDArray>>());
      const NDArray rows = detail::assemble(band, parts);
      (*writer)->write(rows.raw(), rows.nbytes());
      if (last) (*writer)->close();
      return 0;
    };
    run_graph({std::make_shared<const TaskNode>("to-npy", std::move(blocks),
                                                TaskFunctions(std::move(write)),
                                                /*stores_inputs=*/false, /*home=*/0)});
  }
}

void to_npy_stack(const std::string& directory, const Array& array) {
  namespace fs = std::filesystem;
  fs::create_directories(directory);
  detail::GridPtr grid = detail::Lowering(current_executor()->chunk_store()->chunk_limit())
                             .lower(detail::node_of(array));
  // One writer task per chunk, each depending on the chunk's task: chunks go to disk as they are
  // made and are freed right after.
  std::vector<TaskPtr> writers;
  std::vector<std::string> names;
  std::size_t flat = 0;
  detail::for_each_index(numblocks(array.chunks()), [&](const Index& block) {
    const std::string file = (fs::path(directory) / block_file_name(block)).string();
    names.push_back(block_file_name(block));
    TaskFunction write = [file](std::span<const Value* const> inputs, const TaskContext&) -> Value {
      write_npy(file, inputs[0]->get<NDArray>());
      return 0;
    };
    std::vector<TaskPtr> dependencies;
    if (!grid->stored) dependencies.push_back(grid->tasks[flat]);
    if (grid->stored) {
      const auto chunk = grid->stored->blocks[flat];
      write = [file, chunk](std::span<const Value* const>, const TaskContext&) -> Value {
        write_npy(file, *chunk->load());
        return 0;
      };
    }
    writers.push_back(std::make_shared<const TaskNode>("to-npy-stack", std::move(dependencies),
                                                       std::move(write)));
    ++flat;
  });
  // The manifest last, from a task after every chunk's, with home 0: in a job of many processes
  // (which all call to_npy_stack alike) the first writes it, once, and every process returns
  // once it is written.
  nlohmann::json manifest = {
      {"format", "tessera-npy-stack"}, {"version", 1},
      {"shape", array.shape()},        {"dtype", std::string(dtype_name(array.dtype()))},
      {"chunks", array.chunks()},      {"files", names}};
  const std::string manifest_path = (fs::path(directory) / kManifest).string();
  TaskFunction write_manifest = [manifest_path, text = manifest.dump(2)](
                                    std::span<const Value* const>, const TaskContext&) -> Value {
    std::ofstream out(manifest_path);
    if (!(out << text << "\n"))
      throw std::runtime_error(
          fmt::format("cannot write '{}': {}", manifest_path, std::strerror(errno)));
    return 0;
  };
  run_graph({std::make_shared<const TaskNode>("to-npy-stack-manifest", std::move(writers),
                                              TaskFunctions(std::move(write_manifest)),
                                              /*stores_inputs=*/false, /*home=*/0)});
}

Array from_npy_stack(const std::string& directory) {
  namespace fs = std::filesystem;
  const std::string manifest_path = (fs::path(directory) / kManifest).string();
  std::ifstream in(manifest_path);
  if (!in)
    throw std::invalid_argument(
        fmt::format("'{}' is not an npy stack: no {}", directory, kManifest));
  const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  detail::StackManifest manifest = detail::parse_stack_manifest(text, manifest_path);
  auto files = std::make_shared<FileChunks>();
  for (const auto& name : manifest.files)
    files->block_paths.push_back((fs::path(directory) / name).string());
  return files_array("from-npy-stack", manifest.shape, std::move(manifest.chunks), manifest.dtype,
                     std::move(files));
}

}  // namespace tessera
