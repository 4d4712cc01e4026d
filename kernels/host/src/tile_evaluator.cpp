// The tile interpreter: leaves filled in bulk, operators as loops over a whole tile.
#include "tile_evaluator.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "tessera/kernels/program_eval.hpp"
#include "tile_loops.hpp"
#include "uniform_simd.hpp"

namespace tessera::kernels::detail {
namespace {

// Deepest stack the (validated) program reaches.
int max_depth(const Program& program) {
  int depth = 0, deepest = 0;
  for (int i = 0; i < program.size; ++i) {
    depth += 1 - arity(program.code[i].op);
    deepest = std::max(deepest, depth);
  }
  return deepest;
}

// Tile buffers of this thread: grown on demand, reused by every later call on the thread.
double* thread_buffers(std::size_t tiles) {
  thread_local std::vector<double> buffers;
  if (buffers.size() < tiles * kTileElements) buffers.resize(tiles * kTileElements);
  return buffers.data();
}

// Copies row 0 of a tile into rows 1 .. tr - 1 (a leaf that does not move along the rows).
void repeat_first_row(double* tile, int tr, int tc) {
  for (int r = 1; r < tr; ++r) std::memcpy(tile + r * tc, tile, sizeof(double) * tc);
}

// Standard normals first .. first + n - 1 (standard_normal), one Philox block and one log per two.
void normal_run(std::uint64_t seed, std::uint64_t first, int n, double* out) {
  int k = 0;
  if (first & 1u) out[k++] = standard_normal(seed, first);
  for (; k + 1 < n; k += 2) {
    const Uint4x32 u = philox_block(seed, uniform_double_block(first + k));
    const double radius = ::sqrt(-2.0 * ::log(uniform_double_from_bits(u.x, u.y)));
    const double angle = box_muller_angle(u.z, u.w) * kCurandPi;
    out[k] = radius * ::sin(angle);
    out[k + 1] = radius * ::cos(angle);
  }
  if (k < n) out[k] = standard_normal(seed, first + k);
}

// cuRAND float uniforms of 32-bit outputs first .. first + n - 1, one Philox block per four.
void float_run(std::uint64_t seed, std::uint64_t first, int n, double* out) {
  for (int k = 0; k < n;) {
    const std::uint64_t block = (first + k) >> 2;
    const Uint4x32 u = philox_block(seed, block);
    for (int lane_index = static_cast<int>((first + k) & 3u); lane_index < 4 && k < n;
         ++lane_index, ++k) {
      out[k] = static_cast<double>(static_cast<float>(lane(u, lane_index)) * 0x1p-32f + 0x1p-33f);
    }
  }
}

// tile[r][c] = f(base + r * sr + c * sc).
template <class F>
void fill_each(std::int64_t base, std::int64_t sr, std::int64_t sc, int tr, int tc, double* tile,
               F&& f) {
  for (int r = 0; r < tr; ++r) {
    const std::int64_t row = base + r * sr;
    for (int c = 0; c < tc; ++c) tile[r * tc + c] = f(row + c * sc);
  }
}

// Strides up to this many elements apart are read from bulk runs of the stream (see fill_strided).
constexpr std::int64_t kMaxRunStride = 4;

// tile[r][c] = value(base + r * sr + c * sc) for a column stride 2 <= |sc| <= kMaxRunStride (a
// slice with a step): each row's values come from runs of the stream generated in bulk by
// run(first, n, out), of which every |sc|-th is kept. |sc| values per kept one still cost less
// than a whole Philox block each. `buffer` holds kTileElements doubles.
template <class Run>
void fill_strided(std::int64_t base, std::int64_t sr, std::int64_t sc, int tr, int tc, double* tile,
                  double* buffer, Run&& run) {
  const std::int64_t s = sc > 0 ? sc : -sc;
  const int piece = static_cast<int>(kTileElements / s);  // columns whose run fits the buffer
  for (int r = 0; r < tr; ++r) {
    for (int c0 = 0; c0 < tc; c0 += piece) {
      const int m = std::min(piece, tc - c0);
      const std::int64_t first = base + r * sr + c0 * sc;  // column c0's index
      const std::int64_t lowest = sc > 0 ? first : first + (m - 1) * sc;
      run(static_cast<std::uint64_t>(lowest), static_cast<int>((m - 1) * s + 1), buffer);
      double* out = tile + r * tc + c0;
      for (int k = 0; k < m; ++k) out[k] = buffer[(sc > 0 ? k : m - 1 - k) * s];
    }
  }
}

// NumPy refuses int64 ** negative int64 (the result is no integer); so does the host evaluator,
// naming the first such pair of a tile (the kernels' integer_power gives NaN there).
void check_integer_exponents(const double* base, const double* exponent, int n) {
  for (int k = 0; k < n; ++k) {
    if (exponent[k] < 0) {
      char text[96];
      std::snprintf(text, sizeof text, "%.17g ** %.17g", base[k], exponent[k]);
      throw std::domain_error(std::string("Integers to negative integer powers are not allowed: ") +
                              text);
    }
  }
}

// The same for int64 lanes (the integer_power of an instruction with `integer` set).
void check_integer_lane_exponents(const double* base, const double* exponent, int n) {
  for (int k = 0; k < n; ++k) {
    if (as_integer(exponent[k]) < 0) {
      char text[96];
      std::snprintf(text, sizeof text, "%lld ** %lld", static_cast<long long>(as_integer(base[k])),
                    static_cast<long long>(as_integer(exponent[k])));
      throw std::domain_error(std::string("Integers to negative integer powers are not allowed: ") +
                              text);
    }
  }
}

bool short_stride(std::int64_t sc) {
  return sc != 0 && sc >= -kMaxRunStride && sc <= kMaxRunStride;
}

// A buffer leaf of element type T.
template <class T>
void fill_buffer(const T* data, std::int64_t base, std::int64_t sr, std::int64_t sc, int tr, int tc,
                 double* tile) {
  for (int r = 0; r < tr; ++r) {
    const T* row = data + base + r * sr;
    double* out = tile + r * tc;
    if (sc == 1) {
      for (int c = 0; c < tc; ++c) out[c] = static_cast<double>(row[c]);
    } else {
      for (int c = 0; c < tc; ++c) out[c] = static_cast<double>(row[c * sc]);
    }
  }
}

void fill_bool_buffer(const std::uint8_t* data, std::int64_t base, std::int64_t sr, std::int64_t sc,
                      int tr, int tc, double* tile) {
  for (int r = 0; r < tr; ++r) {
    const std::uint8_t* row = data + base + r * sr;
    for (int c = 0; c < tc; ++c) tile[r * tc + c] = row[c * sc] != 0 ? 1.0 : 0.0;
  }
}

}  // namespace

TileShape tile_shape(int ndim, const Box& box) {
  TileShape shape;
  shape.ndim = ndim;
  if (ndim >= 1) {
    shape.col_dim = ndim - 1;
    shape.cols = box.hi[ndim - 1] - box.lo[ndim - 1];
  }
  if (ndim >= 2) {
    shape.row_dim = ndim - 2;
    shape.rows = box.hi[ndim - 2] - box.lo[ndim - 2];
  }
  // Tiles of a few rows grow wider (up to half a tile buffer, which the transposed-leaf and
  // column-reduction scratch space allows), so 1-D boxes and short rows still fill a tile.
  const std::int64_t wide = std::max<std::int64_t>(kTileMaxCols, kTileElements / 2 / shape.rows);
  shape.tile_cols = static_cast<int>(std::min(shape.cols, wide));
  shape.tile_rows =
      static_cast<int>(std::min<std::int64_t>(shape.rows, kTileElements / shape.tile_cols));
  return shape;
}

TileEvaluator::TileEvaluator(const Program& program, const TileShape& shape, SimdLevel level)
    : program_(program), shape_(shape), level_(level), loops_(tile_loops(level)) {
  const int depth = max_depth(program);
  double* buffers = thread_buffers(static_cast<std::size_t>(depth) + 2);
  stack_ = buffers;
  scratch_ = buffers + static_cast<std::size_t>(depth) * kTileElements;
  columns_ = scratch_ + kTileElements;
}

void TileEvaluator::fill_uniform(const Instruction& in, std::int64_t sr, std::int64_t sc,
                                 std::int64_t base, int tr, int tc, double* tile) {
  const std::uint64_t seed = in.seed;
  if (sc == 1) {  // rows are runs of the stream
    for (int r = 0; r < (sr == 0 ? 1 : tr); ++r) {
      host::uniform_run_at(seed, static_cast<std::uint64_t>(base + r * sr), tc, tile + r * tc,
                           level_);
    }
    if (sr == 0) repeat_first_row(tile, tr, tc);
  } else if (sr == 1 && sc == 0) {  // a column run, the same in every column
    host::uniform_run_at(seed, static_cast<std::uint64_t>(base), tr, columns_, level_);
    for (int r = 0; r < tr; ++r) std::fill_n(tile + r * tc, tc, columns_[r]);
  } else if (sr == 1 && sc % 2 == 0) {  // transposed: pairs of rows share Philox blocks
    int first_row = 0;
    if (base & 1) {  // row 0 holds odd doubles: make its pairs (with the row before) aside
      host::uniform_columns_at(seed, static_cast<std::uint64_t>(base - 1), sc, 2, tc, columns_, tc,
                               level_);
      std::memcpy(tile, columns_ + tc, sizeof(double) * tc);
      first_row = 1;
    }
    host::uniform_columns_at(seed, static_cast<std::uint64_t>(base + first_row), sc, tr - first_row,
                             tc, tile + first_row * tc, tc, level_);
  } else if (sr == 1) {  // transposed with odd column stride: runs per column, then transpose
    for (int c = 0; c < tc; ++c) {
      host::uniform_run_at(seed, static_cast<std::uint64_t>(base + c * sc), tr, columns_ + c * tr,
                           level_);
    }
    loops_.transpose(columns_, tr, tc, tile);
  } else if (short_stride(sc)) {
    fill_strided(base, sr, sc, tr, tc, tile, columns_,
                 [seed, this](std::uint64_t first, int n, double* out) {
                   host::uniform_run_at(seed, first, static_cast<std::size_t>(n), out, level_);
                 });
  } else {
    fill_each(base, sr, sc, tr, tc, tile,
              [seed](std::int64_t flat) { return uniform_double(seed, flat); });
  }
  if (in.a != 0 || in.b != 1) loops_.scale_shift(tile, tr * tc, in.a, in.b - in.a);
}

void TileEvaluator::fill_leaf(const Instruction& in, std::int64_t sr, std::int64_t sc,
                              std::int64_t base, int tr, int tc, double* tile) {
  const int n = tr * tc;
  if (in.integer) {  // int64 lanes: the integers' bits, as leaf_value gives them
    return fill_each(base, sr, sc, tr, tc, tile, [&in](std::int64_t flat) {
      return integer_lane(integer_leaf_value(in, flat));
    });
  }
  switch (in.op) {
    case Op::load_uniform:
      return fill_uniform(in, sr, sc, base, tr, tc, tile);
    case Op::load_uniform_f32:
    case Op::load_normal: {
      const bool normal = in.op == Op::load_normal;
      if (sc == 1) {
        for (int r = 0; r < tr; ++r) {
          const auto first = static_cast<std::uint64_t>(base + r * sr);
          normal ? normal_run(in.seed, first, tc, tile + r * tc)
                 : float_run(in.seed, first, tc, tile + r * tc);
        }
      } else if (short_stride(sc)) {
        fill_strided(base, sr, sc, tr, tc, tile, columns_,
                     [&in, normal](std::uint64_t first, int count, double* out) {
                       normal ? normal_run(in.seed, first, count, out)
                              : float_run(in.seed, first, count, out);
                     });
      } else if (normal) {
        fill_each(base, sr, sc, tr, tc, tile,
                  [&in](std::int64_t flat) { return standard_normal(in.seed, flat); });
      } else {
        fill_each(base, sr, sc, tr, tc, tile, [&in](std::int64_t flat) {
          return static_cast<double>(uniform_float(in.seed, flat));
        });
      }
      // a + b * Z for normals, a + (b - a) * U for uniforms, as leaf_value computes them.
      loops_.scale_shift(tile, n, in.a, normal ? in.b : in.b - in.a);
      return;
    }
    case Op::load_arange:
      return fill_each(base, sr, sc, tr, tc, tile, [&in](std::int64_t flat) {
        return in.a + in.b * static_cast<double>(flat);
      });
    case Op::load_buffer:
      switch (in.dtype) {
        case DType::boolean:
          return fill_bool_buffer(static_cast<const std::uint8_t*>(in.data), base, sr, sc, tr, tc,
                                  tile);
        case DType::int64:
          return fill_buffer(static_cast<const std::int64_t*>(in.data), base, sr, sc, tr, tc, tile);
        case DType::float32:
          return fill_buffer(static_cast<const float*>(in.data), base, sr, sc, tr, tc, tile);
        case DType::float64:
          return fill_buffer(static_cast<const double*>(in.data), base, sr, sc, tr, tc, tile);
      }
      return;
    default:  // load_constant
      std::fill_n(tile, n, in.a);
      return;
  }
}

const double* TileEvaluator::run(const std::int64_t* outer, std::int64_t row, std::int64_t col,
                                 int tr, int tc, double* into) {
  const int n = tr * tc;
  const int n_outer = std::max(shape_.ndim - 2, 0);
  // Stack entry 0 holds the result at the end: `into` when given, so it needs no copy.
  double* const bottom = into != nullptr ? into : stack_;
  const auto entry = [this, bottom](int k) { return k == 0 ? bottom : stack_ + k * kTileElements; };
  int depth = 0;
  for (int i = 0; i < program_.size; ++i) {
    const Instruction& in = program_.code[i];
    if (is_leaf(in.op)) {
      const std::int64_t sr = shape_.row_dim >= 0 ? in.map.stride[shape_.row_dim] : 0;
      const std::int64_t sc = shape_.col_dim >= 0 ? in.map.stride[shape_.col_dim] : 0;
      std::int64_t base = in.map.offset + row * sr + col * sc;
      for (int d = 0; d < n_outer; ++d) base += outer[d] * in.map.stride[d];
      fill_leaf(in, sr, sc, base, tr, tc, entry(depth++));
    } else if (in.op < Op::add) {
      (in.integer ? loops_.integer_unary : loops_.unary)(in.op, entry(depth - 1), n);
    } else if (in.op < Op::where) {
      --depth;
      if (in.op == Op::integer_power) {
        (in.integer ? check_integer_lane_exponents : check_integer_exponents)(entry(depth - 1),
                                                                              entry(depth), n);
      }
      (in.integer ? loops_.integer_binary : loops_.binary)(in.op, entry(depth - 1), entry(depth),
                                                           n);
    } else {
      depth -= 2;
      loops_.where(entry(depth - 1), entry(depth), entry(depth + 1), n);
    }
  }
  return bottom;
}

}  // namespace tessera::kernels::detail
