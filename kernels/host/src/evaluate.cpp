// host::evaluate: the box is cut into work items (a band of tile rows at one outer position), each
// writing only its own part of the output.
#include "tessera/kernels/host/evaluate.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>
#include <string>

#include "simd_level.hpp"
#include "tessera/kernels/box_grid.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/program_validate.hpp"
#include "tile_evaluator.hpp"
#include "work_items.hpp"

namespace tessera::kernels {
namespace {

// Converts a row of tile values to the output dtype: doubles, or int64 lanes when `integer`.
void store_row(const double* values, int n, bool integer, DType type, void* out, std::int64_t at) {
  if (integer) {
    for (int k = 0; k < n; ++k) store_integer_as(type, out, at + k, values[k]);
    return;
  }
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

}  // namespace

namespace host {

void evaluate_at(const Program& program, const Box& box, DType out_type, void* out,
                 SimdLevel level) {
  using namespace detail;
  validate(program, box);
  if (out_type > DType::float64) {
    throw std::invalid_argument("tessera::kernels: unknown output dtype " +
                                std::to_string(static_cast<int>(out_type)));
  }
  const TileShape shape = tile_shape(program.ndim, box);
  const bool integer = result_is_integer(program);
  BoxGrid outer_grid;  // the dimensions before the tiles' rows
  for (int d = 0; d < shape.ndim - 2; ++d) outer_grid.add(d, box);
  const std::int64_t bands = ceil_div(shape.rows, shape.tile_rows);
  const std::int64_t row_lo = shape.row_dim >= 0 ? box.lo[shape.row_dim] : 0;
  const std::int64_t col_lo = shape.col_dim >= 0 ? box.lo[shape.col_dim] : 0;

  for_each_work_item("tessera::host::evaluate", outer_grid.size * bands, [&](std::int64_t w) {
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
        store_row(tile + r * tc, tc, integer, out_type, out,
                  (o * shape.rows + r0 + r) * shape.cols + c0);
      }
    }
  });
}

void evaluate(const Place&, const Program& program, const Box& box, DType out_type, void* out) {
  evaluate_at(program, box, out_type, out, best_simd_level());
}

}  // namespace host
}  // namespace tessera::kernels
