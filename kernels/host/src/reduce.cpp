// host::reduce: reductions in the fixed order of reduce_order.hpp, the order of the GPU kernels, so
// that a chunk reduced on a CPU worker has, bit for bit, the partials it has on a GPU worker. The
// outputs run row-major over the kept axes and each output's n elements row-major over the reduced
// ones; element j goes to lane j % kReduceLanes of segment j / kReduceSegment (lane_folds.hpp).
//
// The box is evaluated in tiles of its last two dimensions (rows, columns) at each outer position,
// and which of those two are kept decides how a tile's values reach the folds:
//  - columns reduced: each output's elements are lines (an outer position and a row) of all the
//    columns, folded as they come by a one-output LaneFold (rows reduced: one output per kept
//    outer position; rows kept: one per row);
//  - columns kept: the outputs of a tile receive their element j together, folded by one
//    LaneFold for all of them.
// Work items write whole segments' partials; each output's segments then combine in order here.
#include "tessera/kernels/host/reduce.hpp"

#include <algorithm>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "lane_folds.hpp"
#include "simd_level.hpp"
#include "tessera/kernels/box_grid.hpp"
#include "tessera/kernels/program_eval.hpp"
#include "tessera/kernels/program_validate.hpp"
#include "tessera/kernels/reduce_order.hpp"
#include "tile_evaluator.hpp"
#include "work_items.hpp"

namespace tessera::kernels {
namespace detail {
namespace {

// How a reduction's elements map to outputs and to positions in the fixed order.
struct ReduceLayout {
  TileShape shape;       // the row and column dimensions and the evaluator's usual tiles
  BoxGrid kept, folded;  // outer dimensions (before the rows) kept in the output, and reduced
  bool row_kept = false, col_kept = false;
  std::int64_t rows = 1, cols = 1, row_lo = 0, col_lo = 0;
  std::int64_t n = 1;         // elements per output
  std::int64_t segments = 1;  // segments per output

  ReduceLayout(int ndim, const Box& box, const bool* reduce_axis) : shape(tile_shape(ndim, box)) {
    auto reduced = [reduce_axis](int d) { return reduce_axis == nullptr || reduce_axis[d]; };
    for (int d = 0; d < shape.ndim - 2; ++d) (reduced(d) ? folded : kept).add(d, box);
    row_kept = shape.row_dim >= 0 && !reduced(shape.row_dim);
    col_kept = shape.col_dim >= 0 && !reduced(shape.col_dim);
    rows = shape.rows;
    cols = shape.cols;
    row_lo = shape.row_dim >= 0 ? box.lo[shape.row_dim] : 0;
    col_lo = shape.col_dim >= 0 ? box.lo[shape.col_dim] : 0;
    n = folded.size * (row_kept ? 1 : rows) * (col_kept ? 1 : cols);
    segments = reduce_segments(n);
  }

  std::int64_t outputs() const { return kept.size * (row_kept ? rows : 1) * (col_kept ? cols : 1); }
};

// The widest tile the evaluator takes (its transposed-leaf scratch space holds two rows).
constexpr std::int64_t kMaxTileCols = kTileElements / 2;
// Values of a band of tiles read at once when a line spans several: 512 KiB.
constexpr std::int64_t kBandElements = 65536;
// Segments per work item when one output's elements are spread over several (a full reduction).
constexpr std::int64_t kSegmentsPerItem = 16;
// One-output folds open at once across tiles (lane_fold_doubles(n, 1) each, 6 KiB at most).
constexpr std::int64_t kMaxOpenFolds = 32;

// Lane entries (lanes times outputs) per field of a many-output LaneFold: its lanes stay near L2
// (768 KiB for the three fields of moments, 512 KiB for one), and its tiles as wide as the
// evaluator likes them (256 columns, 128 for moments) when all 256 lanes are busy.
std::int64_t lane_entries(ReduceOp op) {
  return op == ReduceOp::moments ? 32768 : 65536;
}

// Lines of a box (rows of its last two dimensions at one outer position) for one-output folds, in
// order. A program with a leaf read down the columns (a transposed read: random leaves then share
// Philox blocks between neighbouring rows) is evaluated fastest in the evaluator's usual tall
// tiles; lines wider than those take a band of such tiles side by side, read row by row across
// them. Any other program is fastest in tiles of whole lines. Lines wider than a tile may be (or
// than the band) come one at a time, in pieces.
class LineReader {
 public:
  LineReader(const Program& program, const TileShape& shape, SimdLevel level)
      : shape_(shape), evaluator_(program, shape, level), tile_cols_(direct_cols(program, shape)) {}

  const TileLoops& loops() const { return evaluator_.loops(); }

  // Whole lines of `width` values one read may take.
  static std::int64_t lines_per_read(const Program& program, const TileShape& shape,
                                     std::int64_t width) {
    if (width <= direct_cols(program, shape)) return kTileElements / width;
    if (width <= kBandElements)
      return std::min<std::int64_t>(shape.tile_rows, kBandElements / width);
    return 1;
  }

  // Rows [row, row + lines) and columns [col, col + width) of outer position `outer`, lines at
  // most lines_per_read(width): calls visit(r, values, m) for r = 0, 1, ... in order with the
  // next m values of row r, until all are visited.
  template <class Visit>
  void read(const std::int64_t* outer, std::int64_t row, std::int64_t col, std::int64_t lines,
            std::int64_t width, const Visit& visit) {
    const int tr = static_cast<int>(lines);
    if (width <= tile_cols_) {
      const double* tile = evaluator_.run(outer, row, col, tr, static_cast<int>(width));
      for (int r = 0; r < tr; ++r) visit(r, tile + r * width, width);
    } else if (lines == 1) {
      for (std::int64_t c0 = 0; c0 < width; c0 += kMaxTileCols) {
        const int w = static_cast<int>(std::min(kMaxTileCols, width - c0));
        visit(0, evaluator_.run(outer, row, col + c0, 1, w), std::int64_t{w});
      }
    } else {  // the tiles side by side in the band (tile at c0: tr x w values at tr * c0)
      double* band = band_buffer();
      const std::int64_t tile_cols = shape_.tile_cols;
      for (std::int64_t c0 = 0; c0 < width; c0 += tile_cols) {
        const int w = static_cast<int>(std::min(tile_cols, width - c0));
        evaluator_.run(outer, row, col + c0, tr, w, band + tr * c0);
      }
      for (int r = 0; r < tr; ++r) {
        for (std::int64_t c0 = 0; c0 < width; c0 += tile_cols) {
          const std::int64_t w = std::min(tile_cols, width - c0);
          visit(r, band + tr * c0 + r * w, w);
        }
      }
    }
  }

 private:
  // The widest lines read straight from a tile: the usual tile width when a leaf is read down
  // the columns, else as wide as a tile may be.
  static std::int64_t direct_cols(const Program& program, const TileShape& shape) {
    if (shape.row_dim < 0) return kMaxTileCols;
    for (int i = 0; i < program.size; ++i) {
      const Instruction& in = program.code[i];
      if (!is_leaf(in.op) || in.op == Op::load_constant) continue;
      const std::int64_t sr = in.map.stride[shape.row_dim], sc = in.map.stride[shape.col_dim];
      if ((sr == 1 || sr == -1) && sc != 1 && sc != -1 && sc != 0) return shape.tile_cols;
    }
    return kMaxTileCols;
  }

  static double* band_buffer() {
    thread_local std::vector<double> band(kBandElements);
    return band.data();
  }

  const TileShape& shape_;
  TileEvaluator evaluator_;
  std::int64_t tile_cols_;
};

// Rows and columns reduced: one output per kept outer position, whose elements are the lines of
// every reduced outer position in turn. Work items are runs of kSegmentsPerItem segments, from
// the line and column where the first begins.
void reduce_lines(const Program& program, const ReduceLayout& lay, ReduceOp op, Partial* segments,
                  SimdLevel level) {
  const std::int64_t items_per_output = ceil_div(lay.segments, kSegmentsPerItem);
  for_each_work_item("tessera::reduce_host", lay.kept.size * items_per_output, [&](std::int64_t w) {
    const std::int64_t k = w / items_per_output;
    const std::int64_t first_segment = (w % items_per_output) * kSegmentsPerItem;
    std::int64_t j = first_segment * kReduceSegment;
    const std::int64_t end = std::min(lay.n, j + kSegmentsPerItem * kReduceSegment);
    std::int64_t outer[kMaxDims] = {};
    lay.kept.place(k, outer);
    LineReader reader(program, lay.shape, level);
    LaneFold fold(reader.loops(), op, lay.n, 1, first_segment, {segments + k * lay.segments},
                  fold_lanes(lane_fold_doubles(lay.n, 1)));
    const auto feed = [&fold](int, const double* values, std::int64_t m) { fold.feed(values, m); };
    const std::int64_t per_read = LineReader::lines_per_read(program, lay.shape, lay.cols);
    while (j < end) {
      const std::int64_t line = j / lay.cols, c = j % lay.cols, r = line % lay.rows;
      lay.folded.place(line / lay.rows, outer);
      if (c == 0 && end - j >= lay.cols) {  // whole lines
        const std::int64_t lines = std::min({per_read, lay.rows - r, (end - j) / lay.cols});
        reader.read(outer, lay.row_lo + r, lay.col_lo, lines, lay.cols, feed);
        j += lines * lay.cols;
      } else {  // where the work item starts or ends within a line
        const std::int64_t width = std::min(lay.cols - c, end - j);
        reader.read(outer, lay.row_lo + r, lay.col_lo + c, 1, width, feed);
        j += width;
      }
    }
  });
}

// Rows kept, columns reduced: each row is an output whose elements are its lines at the reduced
// outer positions in turn. With no reduced outer position an output is one line, folded as it is
// read; otherwise the rows of a band keep their folds open across outer positions.
void reduce_rows(const Program& program, const ReduceLayout& lay, ReduceOp op, Partial* segments,
                 SimdLevel level) {
  const bool whole = lay.folded.size == 1;
  std::int64_t band_rows =
      std::min(lay.rows, LineReader::lines_per_read(program, lay.shape, lay.cols));
  if (!whole) band_rows = std::min(band_rows, kMaxOpenFolds);
  const std::int64_t bands = ceil_div(lay.rows, band_rows);
  for_each_work_item("tessera::reduce_host", lay.kept.size * bands, [&](std::int64_t w) {
    const std::int64_t k = w / bands;
    const std::int64_t r0 = (w % bands) * band_rows;
    const std::int64_t lines = std::min(band_rows, lay.rows - r0);
    Partial* first = segments + (k * lay.rows + r0) * lay.segments;
    std::int64_t outer[kMaxDims] = {};
    lay.kept.place(k, outer);
    LineReader reader(program, lay.shape, level);
    const std::size_t lane_doubles = lane_fold_doubles(lay.n, 1);
    if (whole) {
      double* lanes = fold_lanes(lane_doubles);
      std::optional<LaneFold> fold;
      int row = -1;
      lay.folded.place(0, outer);
      reader.read(outer, lay.row_lo + r0, lay.col_lo, lines, lay.cols,
                  [&](int r, const double* values, std::int64_t m) {
                    if (r != row) {  // the previous row's output is complete
                      fold.emplace(reader.loops(), op, lay.n, 1, 0,
                                   FoldOutputs{first + r * lay.segments}, lanes);
                      row = r;
                    }
                    fold->feed(values, m);
                  });
      return;
    }
    double* lanes = fold_lanes(lane_doubles * lines);
    std::vector<LaneFold> folds;
    folds.reserve(lines);
    for (std::int64_t r = 0; r < lines; ++r) {
      folds.emplace_back(reader.loops(), op, lay.n, 1, 0, FoldOutputs{first + r * lay.segments},
                         lanes + r * lane_doubles);
    }
    for (std::int64_t f = 0; f < lay.folded.size; ++f) {
      lay.folded.place(f, outer);
      reader.read(
          outer, lay.row_lo + r0, lay.col_lo, lines, lay.cols,
          [&folds](int r, const double* values, std::int64_t m) { folds[r].feed(values, m); });
    }
  });
}

// Columns kept: the outputs of a tile receive their element j together, j running over (reduced
// outer position, row) when the rows are reduced (a tile row is a step) and over the reduced outer
// positions alone when the rows are kept too (the whole tile is a step). One LaneFold holds the
// lanes of all the tile's outputs, so a tile has as many outputs as lane_entries allows.
void reduce_columns(const Program& program, const ReduceLayout& lay, ReduceOp op, Partial* segments,
                    SimdLevel level) {
  // Outputs per fold: whole vectors of them, at most a tile.
  const std::int64_t per_fold = std::clamp<std::int64_t>(
      lane_entries(op) / reduce_busy_lanes(lay.n) / 8 * 8, 8, kTileElements);
  const std::int64_t tc = std::min({lay.cols, per_fold, kMaxTileCols});
  const std::int64_t tr = std::min(lay.rows, (lay.row_kept ? per_fold : kTileElements) / tc);
  const std::int64_t bands = lay.row_kept ? ceil_div(lay.rows, tr) : 1;
  const std::int64_t strips = ceil_div(lay.cols, tc);
  const std::int64_t out_rows = lay.row_kept ? lay.rows : 1;
  for_each_work_item("tessera::reduce_host", lay.kept.size * bands * strips, [&](std::int64_t w) {
    const std::int64_t k = w / (bands * strips);
    const std::int64_t r0 = (w / strips % bands) * tr;
    const std::int64_t c0 = (w % strips) * tc;
    const int tcc = static_cast<int>(std::min(tc, lay.cols - c0));
    const int trr = lay.row_kept ? static_cast<int>(std::min(tr, lay.rows - r0)) : 1;
    const int outputs = trr * tcc;
    std::int64_t outer[kMaxDims] = {};
    lay.kept.place(k, outer);
    TileEvaluator evaluator(program, lay.shape, level);
    const FoldOutputs to{segments + ((k * out_rows + r0) * lay.cols + c0) * lay.segments, tcc,
                         lay.cols};
    LaneFold fold(evaluator.loops(), op, lay.n, outputs, 0, to,
                  fold_lanes(lane_fold_doubles(lay.n, outputs)));
    for (std::int64_t f = 0; f < lay.folded.size; ++f) {
      lay.folded.place(f, outer);
      if (lay.row_kept) {
        fold.feed(evaluator.run(outer, lay.row_lo + r0, lay.col_lo + c0, trr, tcc), 1);
        continue;
      }
      for (std::int64_t r = 0; r < lay.rows; r += tr) {
        const int rows = static_cast<int>(std::min(tr, lay.rows - r));
        fold.feed(evaluator.run(outer, lay.row_lo + r, lay.col_lo + c0, rows, tcc), rows);
      }
    }
  });
}

}  // namespace
}  // namespace detail

namespace host {

void reduce_at(const Program& program, const Box& box, const bool* reduce_axis, ReduceOp op,
               Partial* out, SimdLevel level) {
  using namespace detail;
  validate(program, box);
  validate_reduction(program, op);
  const ReduceLayout lay(program.ndim, box, reduce_axis);
  std::vector<Partial> segment_partials;
  Partial* segments = out;  // an output of one segment has its partial
  if (lay.segments > 1) {
    segment_partials.resize(static_cast<std::size_t>(lay.outputs() * lay.segments));
    segments = segment_partials.data();
  }
  if (lay.col_kept) {
    reduce_columns(program, lay, op, segments, level);
  } else if (lay.row_kept) {
    reduce_rows(program, lay, op, segments, level);
  } else {
    reduce_lines(program, lay, op, segments, level);
  }
  if (lay.segments > 1) {  // step 4: each output's segments in order
    for (std::int64_t o = 0; o < lay.outputs(); ++o) {
      out[o] = reduce_fold_segments(segments + o * lay.segments, lay.segments, op);
    }
  }
}

void reduce(const Place&, const Program& program, const Box& box, const bool* reduce_axis,
            ReduceOp op, Partial* host_out) {
  reduce_at(program, box, reduce_axis, op, host_out, best_simd_level());
}

}  // namespace host

}  // namespace tessera::kernels
