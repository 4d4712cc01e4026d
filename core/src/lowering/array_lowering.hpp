#pragma once
// Lowering: an array expression becomes tasks. Chains of elementwise operations, transposes,
// slices and casts fuse into one kernel program per output chunk, random leaves generated inside
// it, so a chunk is read and written once rather than once per operation. A reduction fuses into
// its input's chunk tasks and combines their partials in a fixed tree (fan-in split_every), so
// the same graph gives the same bits whatever the run, worker count or finishing order.

#include <memory>
#include <unordered_map>
#include <vector>

#include "array/array_node.hpp"
#include "lowering/fusion_costs.hpp"
#include "tessera/task.hpp"

namespace tessera::detail {

struct FusedProgram;

/// The chunks of an array as tasks (each returns std::shared_ptr<NDArray>) or as stored data.
struct BlockGrid {
  Shape shape;
  Chunks chunks;
  DType dtype = DType::float64;
  std::vector<TaskPtr> tasks;                  ///< row-major over the block grid
  std::shared_ptr<const StoredChunks> stored;  ///< set instead of tasks for persisted arrays
};
using GridPtr = std::shared_ptr<const BlockGrid>;

class Lowering {
 public:
  /// `chunk_limit`: the largest chunk a worker may hold (0: any); a materialized chunk beyond it
  /// is a std::invalid_argument naming the chunk, its size and the limit.
  explicit Lowering(std::uint64_t chunk_limit = 0) : chunk_limit_(chunk_limit) {}

  /// The tasks producing `node`'s chunks; shared sub-expressions are lowered once. Never
  /// recurses along the expression, however deep.
  GridPtr lower(const NodePtr& node);

 private:
  /// A node on the lowering stack, with the program its kernels run once fused.
  struct Pending {
    NodePtr node;
    std::shared_ptr<FusedProgram> fused;  ///< none for stored and files nodes
    bool prepared = false;
    std::size_t next_region = 0;  ///< the regions before it are lowered or on the stack
  };
  void prepare(Pending& pending);
  GridPtr finish(Pending& pending);
  using Sources = std::vector<GridPtr>;  ///< the grids a program's regions read, with tasks
  GridPtr lower_segment(const NodePtr& node, std::shared_ptr<const FusedProgram> fused,
                        const Sources& sources);
  GridPtr lower_reduce(const NodePtr& node, const Node::Reduce& reduce,
                       std::shared_ptr<const FusedProgram> fused, const Sources& sources);
  GridPtr lower_stored(const Node& node, const Node::Stored& stored);
  void check_chunk_sizes(const Node& node) const;
  std::unordered_map<const Node*, GridPtr> memo_;
  FusionCosts costs_;
  std::uint64_t chunk_limit_;
};

/// Tasks that read a files node's blocks (defined with the .npy I/O).
GridPtr lower_files(const NodePtr& node);

/// Copies computed chunks into one row-major array.
NDArray assemble(const BlockGrid& grid, const std::vector<std::shared_ptr<NDArray>>& blocks);

}  // namespace tessera::detail
