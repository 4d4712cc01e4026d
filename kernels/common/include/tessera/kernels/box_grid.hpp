// Row-major enumeration of some dimensions of a box: how the host and GPU kernels turn a linear
// work index into evaluation-space indices (for example the kept axes of a reduction, then the
// reduced ones).
#pragma once

#include <cstdint>

#include "tessera/kernels/hd.hpp"
#include "tessera/kernels/program.hpp"

namespace tessera::kernels {

/// Dimensions dims[0 .. count) of a box, with their lower bounds and extents.
struct BoxGrid {
  int count = 0;
  int dims[kMaxDims] = {};
  std::int64_t lo[kMaxDims] = {};
  std::int64_t extent[kMaxDims] = {};
  std::int64_t size = 1;  ///< positions (product of the extents)

  /// Appends dimension `dim` of `box`.
  TESSERA_HD void add(int dim, const Box& box) {
    dims[count] = dim;
    lo[count] = box.lo[dim];
    extent[count] = box.hi[dim] - box.lo[dim];
    size *= extent[count++];
  }

  /// Writes the absolute indices of position `linear` (row-major) into idx[dims[k]].
  TESSERA_HD TESSERA_INLINE void place(std::int64_t linear, std::int64_t* idx) const {
    for (int k = count; k-- > 0;) {
      idx[dims[k]] = lo[k] + linear % extent[k];
      linear /= extent[k];
    }
  }
};

/// The dimensions d < ndim of `box` whose reduce_axis[d] equals `reduced` (nullptr: every
/// dimension is reduced), in order.
TESSERA_HD inline BoxGrid box_grid(int ndim, const Box& box, const bool* reduce_axis,
                                   bool reduced) {
  BoxGrid grid;
  for (int d = 0; d < ndim; ++d) {
    if ((reduce_axis == nullptr || reduce_axis[d]) == reduced) grid.add(d, box);
  }
  return grid;
}

}  // namespace tessera::kernels
