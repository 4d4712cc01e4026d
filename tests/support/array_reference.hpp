#pragma once
// Straightforward reference implementations for array tests: full arrays in doubles, plain loops,
// NumPy's semantics written out. Slow and obvious on purpose.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
#include <optional>
#include <vector>

#include "tessera/ndarray.hpp"

namespace tessera::test_support {

/// A dense row-major array of doubles with a dtype tag (values already rounded to the dtype).
struct Dense {
  Shape shape;
  DType dtype = DType::float64;
  std::vector<double> values;

  std::int64_t size() const {
    return std::accumulate(shape.begin(), shape.end(), std::int64_t{1}, std::multiplies<>());
  }
};

inline std::vector<std::int64_t> strides_of(const Shape& shape) {
  std::vector<std::int64_t> s(shape.size(), 1);
  for (std::size_t d = shape.size(); d-- > 1;) s[d - 1] = s[d] * shape[d];
  return s;
}

/// Multi-index of flat index i.
inline std::vector<std::int64_t> unravel(std::int64_t i, const Shape& shape) {
  std::vector<std::int64_t> index(shape.size());
  for (std::size_t d = shape.size(); d-- > 0;) {
    index[d] = shape[d] ? i % shape[d] : 0;
    i = shape[d] ? i / shape[d] : 0;
  }
  return index;
}

/// Rounds a double to what an array of `dtype` holds.
inline double round_to(double v, DType dtype) {
  switch (dtype) {
    case DType::boolean:
      return v != 0 ? 1 : 0;
    // NumPy on x86: NaN, infinities and out-of-range values become INT64_MIN.
    case DType::int64:
      return std::isfinite(v) && std::fabs(v) < 9.2233720368547758e18
                 ? std::trunc(v) + 0.0
                 : -9.2233720368547758e18;  // + 0.0: no -0 in int64
    case DType::float32:
      return static_cast<float>(v);
    case DType::float64:
      break;
  }
  return v;
}

/// Element of `a` broadcast to `shape` at multi-index `index`.
inline double broadcast_at(const Dense& a, const Shape& shape,
                           const std::vector<std::int64_t>& index) {
  const std::size_t shift = shape.size() - a.shape.size();
  const auto strides = strides_of(a.shape);
  std::int64_t flat = 0;
  for (std::size_t j = 0; j < a.shape.size(); ++j)
    flat += (a.shape[j] == 1 ? 0 : index[j + shift]) * strides[j];
  return a.values[flat];
}

inline Shape broadcast_shape(const Shape& a, const Shape& b) {
  Shape out(std::max(a.size(), b.size()), 1);
  for (std::size_t k = 0; k < out.size(); ++k) {
    std::int64_t x = k < out.size() - a.size() ? 1 : a[k - (out.size() - a.size())];
    std::int64_t y = k < out.size() - b.size() ? 1 : b[k - (out.size() - b.size())];
    out[k] = x == 1 ? y : x;
  }
  return out;
}

/// f applied elementwise with broadcasting, result rounded to `dtype`.
inline Dense zip(const Dense& a, const Dense& b, DType dtype,
                 const std::function<double(double, double)>& f) {
  Dense out{broadcast_shape(a.shape, b.shape), dtype, {}};
  out.values.resize(out.size());
  for (std::int64_t i = 0; i < out.size(); ++i) {
    auto index = unravel(i, out.shape);
    out.values[i] =
        round_to(f(broadcast_at(a, out.shape, index), broadcast_at(b, out.shape, index)), dtype);
  }
  return out;
}

inline Dense map(const Dense& a, DType dtype, const std::function<double(double)>& f) {
  Dense out{a.shape, dtype, a.values};
  for (double& v : out.values) v = round_to(f(v), dtype);
  return out;
}

inline Dense transpose(const Dense& a, const std::vector<int>& axes) {
  Dense out{{}, a.dtype, {}};
  for (int axis : axes) out.shape.push_back(a.shape[axis]);
  out.values.resize(a.values.size());
  const auto in_strides = strides_of(a.shape);
  for (std::int64_t i = 0; i < out.size(); ++i) {
    auto index = unravel(i, out.shape);
    std::int64_t flat = 0;
    for (std::size_t k = 0; k < axes.size(); ++k) flat += index[k] * in_strides[axes[k]];
    out.values[i] = a.values[flat];
  }
  return out;
}

/// Groups the elements of `a` by their index on the kept axes: result[k] lists the values
/// reduced into output element k (row-major over kept axes).
inline std::vector<std::vector<double>> groups(const Dense& a, const std::vector<int>& axes,
                                               Shape& kept_shape) {
  kept_shape.clear();
  std::vector<bool> reduced(a.shape.size(), false);
  for (int axis : axes) reduced[axis] = true;
  for (std::size_t d = 0; d < a.shape.size(); ++d)
    if (!reduced[d]) kept_shape.push_back(a.shape[d]);
  const auto kept_strides = strides_of(kept_shape);
  std::int64_t n =
      std::accumulate(kept_shape.begin(), kept_shape.end(), std::int64_t{1}, std::multiplies<>());
  std::vector<std::vector<double>> out(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < a.size(); ++i) {
    auto index = unravel(i, a.shape);
    std::int64_t k = 0, kd = 0;
    for (std::size_t d = 0; d < a.shape.size(); ++d)
      if (!reduced[d]) k += index[d] * kept_strides[kd++];
    out[k].push_back(a.values[i]);
  }
  return out;
}

/// Python's a % b: the sign of b.
inline std::int64_t python_mod(std::int64_t a, std::int64_t b) {
  const std::int64_t r = a % b;
  return r != 0 && (r < 0) != (b < 0) ? r + b : r;
}

/// Python's slice.indices(n) for a slice with these optional bounds and a nonzero step.
inline void slice_indices(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                          std::int64_t step, std::int64_t n, std::int64_t& out_start,
                          std::int64_t& out_stop) {
  const std::int64_t lower = step < 0 ? -1 : 0, upper = step < 0 ? n - 1 : n;
  auto clip = [&](std::optional<std::int64_t> v, std::int64_t fallback) {
    if (!v) return fallback;
    std::int64_t x = *v;
    if (x < 0) x = std::max(x + n, lower);
    return std::min(x, upper);
  };
  out_start = clip(start, step < 0 ? upper : lower);
  out_stop = clip(stop, step < 0 ? lower : upper);
}

/// The chunks Dask gives x[start:stop:step] along an axis of chunks `lens`, written as Dask's
/// slicing.py computes them (normalize_slice, _slice_1d, new_blockdim), a chunk per entry of
/// _slice_1d's dict: ceil((stop - start) / step) of the chunk-relative slice.
inline std::vector<std::int64_t> dask_slice_chunks(const std::vector<std::int64_t>& lens,
                                                   std::optional<std::int64_t> start_bound,
                                                   std::optional<std::int64_t> stop_bound,
                                                   std::int64_t step) {
  const std::int64_t dim = std::accumulate(lens.begin(), lens.end(), std::int64_t{0});
  std::int64_t start = 0, stop = 0;
  slice_indices(start_bound, stop_bound, step, dim, start, stop);
  // normalize_slice: an empty forward (backward) slice gets stop = start.
  if (step > 0 && stop < start) stop = start;
  if (step < 0 && stop > start) stop = start;
  struct Piece {
    std::int64_t start, stop;
  };
  std::vector<std::pair<std::size_t, Piece>> pieces;  // by chunk, in _slice_1d's order
  if (step > 0) {
    for (std::size_t i = 0; i < lens.size(); ++i) {
      const std::int64_t length = lens[i];
      if (start < length && stop > 0) {
        pieces.push_back({i, {start, std::min(stop, length)}});
        start = python_mod(start - length, step);
      } else {
        start -= length;
      }
      stop -= length;
    }
  } else {
    std::vector<std::int64_t> ends(lens.size());
    std::partial_sum(lens.begin(), lens.end(), ends.begin());
    std::int64_t running = start;
    for (std::size_t i = lens.size(); i-- > 0;) {
      const std::int64_t chunk_start = i == 0 ? 0 : ends[i - 1], chunk_stop = ends[i];
      if (chunk_start <= running && running < chunk_stop && running > stop) {
        pieces.push_back(
            {i, {running - chunk_stop, std::max(chunk_start - chunk_stop - 1, stop - chunk_stop)}});
        const std::int64_t offset = python_mod(running - (chunk_start - 1), step);
        running = chunk_start + offset - 1;
      }
    }
  }
  if (pieces.empty()) return {0};  // x[:0]
  std::sort(pieces.begin(), pieces.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  if (step < 0) std::reverse(pieces.begin(), pieces.end());
  std::vector<std::int64_t> chunks;
  for (const auto& [chunk, piece] : pieces) {
    const double count = std::ceil(static_cast<double>(piece.stop - piece.start) / step);
    chunks.push_back(static_cast<std::int64_t>(count) + 0);
  }
  return chunks;
}

/// The elements of a computed NDArray as doubles.
inline std::vector<double> values_of(const NDArray& array) {
  std::vector<double> out(static_cast<std::size_t>(array.size()));
  for (std::int64_t i = 0; i < array.size(); ++i) out[i] = array.element_as_double(i);
  return out;
}

}  // namespace tessera::test_support
