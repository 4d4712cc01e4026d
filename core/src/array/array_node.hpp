#pragma once
// The expression node behind an Array. Immutable; shared between arrays built from it.

#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "tessera/array.hpp"
#include "tessera/chunk_store.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::detail {

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

/// Dask's default fan-in for reduction trees.
inline constexpr int kDefaultSplitEvery = 4;

struct Node {
  /// A kernel leaf: random, constant, arange or buffer. The instruction is a template: its map
  /// is filled in at lowering.
  struct Leaf {
    kernels::Instruction instruction;
    std::shared_ptr<const void> buffer_owner;  ///< a buffer leaf keeps its memory alive
  };
  /// Persisted chunks.
  struct Stored {
    std::shared_ptr<const StoredChunks> chunks;
  };
  /// Chunks read from .npy files by their tasks.
  struct Files {
    std::shared_ptr<const FileChunks> chunks;
  };
  /// A unary, binary or ternary kernel op over the inputs, broadcast to the node's shape.
  struct Elementwise {
    kernels::Op op = kernels::Op::add;
  };
  /// An axes permutation of inputs[0]: output axis i is input axis axes[i].
  struct Transpose {
    std::vector<int> axes;
  };
  /// Basic indexing of inputs[0] (slices and positions): one entry per input axis.
  struct Slice {
    std::vector<SliceAxis> axes;
  };
  /// inputs[0] as the node's dtype (astype).
  struct Cast {};
  /// A reduction of inputs[0] over axes.
  struct Reduce {
    Reduction reduction = Reduction::sum;
    std::vector<int> axes;  ///< the reduced axes, sorted
    int ddof = 0;
    bool keepdims = false;
    int split_every = kDefaultSplitEvery;
  };
  using Kind = std::variant<Leaf, Stored, Files, Elementwise, Transpose, Slice, Cast, Reduce>;

  Node(Kind kind, std::string name, Shape shape, Chunks chunks, DType dtype,
       std::vector<NodePtr> inputs = {})
      : kind(std::move(kind)),
        name(std::move(name)),
        shape(std::move(shape)),
        chunks(std::move(chunks)),
        dtype(dtype),
        inputs(std::move(inputs)) {}
  Node(const Node&) = default;  // from_ndarray copies a leaf to own the buffer
  Node& operator=(const Node&) = delete;
  /// Releases the inputs iteratively: an iterative algorithm's 10^5-deep expression must not
  /// nest one destructor per step.
  ~Node();

  /// This node's fields of kind K, or nullptr when it is of another kind.
  template <class K>
  const K* as() const noexcept {
    return std::get_if<K>(&kind);
  }
  template <class K>
  bool is() const noexcept {
    return std::holds_alternative<K>(kind);
  }

  Kind kind;
  std::string name;
  Shape shape;
  Chunks chunks;
  DType dtype;
  mutable std::vector<NodePtr> inputs;  // mutable only for the iterative destructor
};

/// Lambdas joined into one visitor, for std::visit over a node's kind.
template <class... Fs>
struct Overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
Overloaded(Fs...) -> Overloaded<Fs...>;

}  // namespace tessera::detail
