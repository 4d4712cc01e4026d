#pragma once
// The expression node behind an Array. Immutable; shared between arrays built from it.

#include <memory>
#include <string>
#include <vector>

#include "tessera/array.hpp"
#include "tessera/chunk_store.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::array_detail {

using NodePtr = std::shared_ptr<const Node>;

/// Chunks already computed (a persisted array), in the executor's ChunkStore: in memory or
/// spilled, as its policy decides.
struct StoredChunks {
  std::vector<std::shared_ptr<StoredChunk>> blocks;  ///< row-major over the block grid
  /// Every block, loaded (from memory, or read back from its spill file).
  std::vector<std::shared_ptr<NDArray>> load_all() const {
    std::vector<std::shared_ptr<NDArray>> loaded;
    for (const auto& block : blocks) loaded.push_back(block->load());
    return loaded;
  }
};

/// Chunks that live in .npy files: one file read block by block, or one file per block.
struct FileChunks {
  std::string path;                      ///< single .npy file
  std::size_t data_offset = 0;           ///< where its data starts
  bool byteswapped = false;              ///< its data is in the other byte order
  bool fortran_order = false;            ///< its data is column-major
  std::vector<std::string> block_paths;  ///< or one .npy file per block, row-major over blocks
};

/// How a slice node reads one axis of its input: input index = start + step * t for its own
/// index t < count along its next kept axis, or the fixed index `start` for a dropped axis.
struct SliceAxis {
  std::int64_t start = 0;
  std::int64_t step = 1;
  std::int64_t count = 0;
  bool kept = true;  ///< false: a position, the axis is dropped
};

/// The reductions Array offers; each finishes from a kernel ReduceOp partial.
enum class Reduction { sum, prod, min, max, any, all, mean, var, std };

struct Node {
  Node() = default;
  Node(const Node&) = default;  // from_ndarray copies a leaf to own the buffer
  Node& operator=(const Node&) = delete;
  /// Releases the inputs iteratively: an iterative algorithm's 10^5-deep expression must not
  /// nest one destructor per step.
  ~Node();

  enum class Kind {
    leaf,         ///< a kernel leaf: random, constant, arange, buffer (instruction below)
    stored,       ///< persisted chunks
    files,        ///< chunks read from .npy files by their tasks
    elementwise,  ///< unary/binary/ternary kernel op over inputs (broadcast to shape)
    transpose,    ///< axes permutation of inputs[0]
    slice,        ///< basic indexing of inputs[0] (slices and positions)
    cast,         ///< astype
    reduce,       ///< reduction of inputs[0] over axes
  };
  Kind kind = Kind::leaf;
  std::string name;
  Shape shape;
  Chunks chunks;
  DType dtype = DType::float64;
  mutable std::vector<NodePtr> inputs;  // mutable only for the iterative destructor

  // leaf: the instruction template (its map is filled in at lowering); buffer leaves keep owner.
  kernels::Instruction leaf;
  std::shared_ptr<const void> buffer_owner;
  // stored
  std::shared_ptr<const StoredChunks> stored;
  // files
  std::shared_ptr<const FileChunks> files;
  // elementwise
  kernels::Op op = kernels::Op::add;
  // transpose: output axis i is input axis axes[i]; reduce: reduced axes (sorted)
  std::vector<int> axes;
  // slice: one entry per input axis
  std::vector<SliceAxis> slices;
  // reduce
  Reduction reduction = Reduction::sum;
  int ddof = 0;
  bool keepdims = false;
  int split_every = 4;
};

/// Dask's default fan-in for reduction trees.
inline constexpr int kDefaultSplitEvery = 4;

}  // namespace tessera::array_detail
