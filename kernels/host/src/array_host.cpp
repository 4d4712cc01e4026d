// evaluate_host and reduce_host: the box is cut into work items (a band of tile rows at one outer
// position), run through Kokkos::parallel_for on a DefaultHostExecutionSpace instance. Each work
// item writes only its own output rows or its own partials; partials are combined here afterwards,
// in work-item order. Not parallel_reduce: Kokkos 3.4's Serial backend shares one reduction
// scratch buffer among all instances, and several scheduler threads call these at once.
#include "tessera/kernels/array_host.hpp"

#include <Kokkos_Core.hpp>
#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>
#include <vector>

#include "array_host_levels.hpp"
#include "simd_level.hpp"
#include "tessera/kernels/box_grid.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/program_validate.hpp"
#include "tile_evaluator.hpp"
#include "tile_reduce.hpp"
#include "uniform_simd.hpp"

namespace tessera::kernels {
namespace {

using ExecutionSpace = Kokkos::DefaultHostExecutionSpace;

// Converts a row of tile values to the output dtype.
void store_row(const double* values, int n, DType type, void* out, std::int64_t at) {
  switch (type) {
    case DType::boolean: {
      auto* o = static_cast<std::uint8_t*>(out) + at;
      for (int k = 0; k < n; ++k) o[k] = values[k] != 0 ? 1 : 0;
      return;
    }
    case DType::int64: {
      auto* o = static_cast<std::int64_t*>(out) + at;
      for (int k = 0; k < n; ++k) o[k] = to_int64_storage(values[k]);
      return;
    }
    case DType::float32: {
      auto* o = static_cast<float*>(out) + at;
      for (int k = 0; k < n; ++k) o[k] = static_cast<float>(values[k]);
      return;
    }
    case DType::float64:
      std::memcpy(static_cast<double*>(out) + at, values, sizeof(double) * n);
      return;
  }
}

std::int64_t ceil_div(std::int64_t a, std::int64_t b) {
  return (a + b - 1) / b;
}

// Runs body(w) for w in [0, n) on a fresh host execution space instance, and waits.
template <class Body>
void for_each_work_item(const char* name, std::int64_t n, const Body& body) {
  ensure_kokkos_initialized();
  const ExecutionSpace space;
  Kokkos::parallel_for(name, Kokkos::RangePolicy<ExecutionSpace>(space, 0, n),
                       [&body](const std::int64_t w) { body(w); });
  space.fence();
}

}  // namespace

namespace detail {

void evaluate_host_at(const Program& program, const Box& box, DType out_type, void* out,
                      SimdLevel level) {
  validate(program, box);
  if (out_type > DType::float64) {
    throw std::invalid_argument("tessera::kernels: unknown output dtype " +
                                std::to_string(static_cast<int>(out_type)));
  }
  const TileShape shape = tile_shape(program.ndim, box);
  BoxGrid outer_grid;  // the dimensions before the tiles' rows
  for (int d = 0; d < shape.ndim - 2; ++d) outer_grid.add(d, box);
  const std::int64_t bands = ceil_div(shape.rows, shape.tile_rows);
  const std::int64_t row_lo = shape.row_dim >= 0 ? box.lo[shape.row_dim] : 0;
  const std::int64_t col_lo = shape.col_dim >= 0 ? box.lo[shape.col_dim] : 0;

  for_each_work_item("tessera::evaluate_host", outer_grid.size * bands, [&](std::int64_t w) {
    const std::int64_t o = w / bands;
    const std::int64_t r0 = (w % bands) * shape.tile_rows;
    const int tr = static_cast<int>(std::min<std::int64_t>(shape.tile_rows, shape.rows - r0));
    std::int64_t outer[kMaxDims] = {};
    outer_grid.place(o, outer);
    TileEvaluator evaluator(program, shape, level);
    for (std::int64_t c0 = 0; c0 < shape.cols; c0 += shape.tile_cols) {
      const int tc = static_cast<int>(std::min<std::int64_t>(shape.tile_cols, shape.cols - c0));
      const double* tile = evaluator.run(outer, row_lo + r0, col_lo + c0, tr, tc);
      for (int r = 0; r < tr; ++r) {
        store_row(tile + r * tc, tc, out_type, out, (o * shape.rows + r0 + r) * shape.cols + c0);
      }
    }
  });
}

void reduce_host_at(const Program& program, const Box& box, const bool* reduce_axis, ReduceOp op,
                    Partial* out, SimdLevel level) {
  validate(program, box);
  if (op > ReduceOp::moments) {
    throw std::invalid_argument("tessera::kernels: unknown reduction " +
                                std::to_string(static_cast<int>(op)));
  }
  const TileShape shape = tile_shape(program.ndim, box);
  auto reduced = [reduce_axis](int d) { return reduce_axis == nullptr || reduce_axis[d]; };
  BoxGrid kept, folded;  // outer dimensions kept in the output, and reduced
  for (int d = 0; d < shape.ndim - 2; ++d) (reduced(d) ? folded : kept).add(d, box);
  const bool row_kept = shape.row_dim >= 0 && !reduced(shape.row_dim);
  const bool col_kept = shape.col_dim >= 0 && !reduced(shape.col_dim);
  const std::int64_t bands = ceil_div(shape.rows, shape.tile_rows);
  const std::int64_t row_lo = shape.row_dim >= 0 ? box.lo[shape.row_dim] : 0;
  const std::int64_t col_lo = shape.col_dim >= 0 ? box.lo[shape.col_dim] : 0;
  const std::int64_t slot_rows = row_kept ? shape.tile_rows : 1;
  const std::int64_t slot_cols = col_kept ? shape.cols : 1;
  const std::int64_t slots_per_item = slot_rows * slot_cols;
  const std::int64_t n_items = kept.size * bands;
  std::vector<Partial> partials(static_cast<std::size_t>(n_items * slots_per_item));

  for_each_work_item("tessera::reduce_host", n_items, [&](std::int64_t w) {
    Partial* slots = partials.data() + w * slots_per_item;
    std::fill_n(slots, slots_per_item, identity(op));
    const std::int64_t r0 = (w % bands) * shape.tile_rows;
    const int tr = static_cast<int>(std::min<std::int64_t>(shape.tile_rows, shape.rows - r0));
    std::int64_t outer[kMaxDims] = {};
    kept.place(w / bands, outer);
    TileEvaluator evaluator(program, shape, level);
    for (std::int64_t f = 0; f < folded.size; ++f) {
      folded.place(f, outer);
      for (std::int64_t c0 = 0; c0 < shape.cols; c0 += shape.tile_cols) {
        const int tc = static_cast<int>(std::min<std::int64_t>(shape.tile_cols, shape.cols - c0));
        const double* tile = evaluator.run(outer, row_lo + r0, col_lo + c0, tr, tc);
        reduce_tile(evaluator.loops(), tile, tr, tc, row_kept, col_kept, op,
                    slots + (col_kept ? c0 : 0), slot_cols, evaluator.scratch());
      }
    }
  });

  // Combine the work items' partials in work-item order: the same bits on every run.
  const std::int64_t out_rows = row_kept ? shape.rows : 1;
  std::fill_n(out, kept.size * out_rows * slot_cols, identity(op));
  for (std::int64_t w = 0; w < n_items; ++w) {
    const Partial* slots = partials.data() + w * slots_per_item;
    const std::int64_t r0 = (w % bands) * shape.tile_rows;
    const std::int64_t rows_here = row_kept ? std::min(slot_rows, shape.rows - r0) : 1;
    for (std::int64_t r = 0; r < rows_here; ++r) {
      Partial* to = out + ((w / bands) * out_rows + (row_kept ? r0 + r : 0)) * slot_cols;
      const Partial* from = slots + r * slot_cols;
      for (std::int64_t c = 0; c < slot_cols; ++c) to[c] = combine(to[c], from[c], op);
    }
  }
}

}  // namespace detail

void evaluate_host(const Program& program, const Box& box, DType out_type, void* out) {
  detail::evaluate_host_at(program, box, out_type, out, detail::best_simd_level());
}

void reduce_host(const Program& program, const Box& box, const bool* reduce_axis, ReduceOp op,
                 Partial* out) {
  detail::reduce_host_at(program, box, reduce_axis, op, out, detail::best_simd_level());
}

void generate_uniform_host(std::uint64_t seed, std::uint64_t first, std::uint64_t n, double* out) {
  // Pieces of 2^20 doubles: large enough that scheduling vanishes, small enough to balance.
  constexpr std::uint64_t kPiece = std::uint64_t{1} << 20;
  const detail::SimdLevel level = detail::best_simd_level();
  const auto pieces = static_cast<std::int64_t>(n / kPiece + (n % kPiece != 0));
  for_each_work_item("tessera::generate_uniform_host", pieces, [&](std::int64_t w) {
    const std::uint64_t at = static_cast<std::uint64_t>(w) * kPiece;
    detail::uniform_run(seed, first + at, std::min(kPiece, n - at), out + at, level);
  });
}

}  // namespace tessera::kernels
