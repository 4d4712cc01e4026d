// Basic indexing (x[1:5, 3] in NumPy and Dask): positions and slices resolved against the shape
// with Python's rules, and the result's chunks cut from the input's, as Dask cuts them.
#include <fmt/format.h>

#include <algorithm>
#include <stdexcept>

#include "array/array_node.hpp"
#include "tessera/array.hpp"

namespace tessera {

using detail::Node;
using detail::SliceAxis;

namespace {

// floor(a / b) for b > 0.
std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}

// An axis as resolved, with the stop Python's slice.indices(n) gives and the slice's own step:
// Dask's chunks depend on them beyond the positions selected (sliced_chunks), while axis.step is
// 1 where at most one position is selected.
struct ResolvedAxis {
  SliceAxis axis;
  std::int64_t stop = 0;
  std::int64_t step = 1;
};

// Python's slice.indices(n): start, step and the number of positions selected.
ResolvedAxis resolve(const Slice& slice, std::int64_t n, int axis) {
  if (slice.step == 0)
    throw std::invalid_argument(fmt::format("index: slice step cannot be zero (axis {})", axis));
  const std::int64_t step = slice.step;
  // Bounds clip to [0, n] going forward and to [-1, n - 1] going backward.
  const std::int64_t low = step > 0 ? 0 : -1, high = step > 0 ? n : n - 1;
  auto bound = [&](std::optional<std::int64_t> value, std::int64_t fallback) {
    if (!value) return fallback;
    std::int64_t v = *value < 0 ? *value + n : *value;
    return std::clamp(v, low, high);
  };
  const std::int64_t start = bound(slice.start, step > 0 ? 0 : n - 1);
  const std::int64_t stop = bound(slice.stop, step > 0 ? n : -1);
  // Counted without adding or negating the step: it may be anything down to INT64_MIN.
  std::int64_t count = 0;
  if (step > 0 && stop > start) count = (stop - start - 1) / step + 1;
  if (step < 0 && start > stop) count = (stop - start + 1) / step + 1;
  // One position or none needs no step; a step of 1 keeps the steps that later slices compose
  // with it (their products) within the extents.
  return {{start, count <= 1 ? 1 : step, count, true}, stop, step};
}

ResolvedAxis resolve(std::int64_t position, std::int64_t n, int axis) {
  if (position < -n || position >= n)
    throw std::out_of_range(
        fmt::format("index {} is out of bounds for axis {} with size {}", position, axis, n));
  const std::int64_t at = position < 0 ? position + n : position;
  return {{at, 1, 1, false}, at + 1, 1};
}

// How many of the selected positions t < count (input index start + step * t) fall in the input
// chunk [lo, hi).
std::int64_t selected_in(const SliceAxis& a, std::int64_t lo, std::int64_t hi) {
  std::int64_t first = 0, end = 0;  // the t range, before clipping to [0, count)
  if (a.step > 0) {
    first = floor_div(lo - a.start + a.step - 1, a.step);
    end = floor_div(hi - a.start + a.step - 1, a.step);
  } else {
    const std::int64_t s = -a.step;
    first = floor_div(a.start - hi, s) + 1;
    end = floor_div(a.start - lo, s) + 1;
  }
  first = std::max<std::int64_t>(first, 0);
  end = std::min(end, a.count);
  return std::max<std::int64_t>(end - first, 0);
}

// Whether Dask's _slice_1d keeps input chunk [lo, hi) for a forward slice: when the next
// position of the step's progression (start + step * t for any t >= 0, the stop ignored) lies in
// it and the stop lies beyond lo. So the chunk where the stop cuts the progression short is kept
// even when it selects nothing: x[:16:4] over chunks (12, 2, 4) has chunks (3, 1, 0).
// Counted in steps from start, so a step near INT64_MAX cannot overflow.
bool dask_keeps_forward(const ResolvedAxis& r, std::int64_t lo, std::int64_t hi) {
  const std::int64_t start = r.axis.start, step = r.step;
  if (r.stop <= lo) return false;
  if (lo <= start) return start < hi;
  const std::int64_t t = (lo - start - 1) / step + 1;  // the first step landing at or after lo
  return t <= (hi - start - 1) / step;                 // ... lands before hi
}

// The result's chunks along a kept axis: per input chunk in the order the slice visits them,
// how many positions it selects, for the chunks Dask keeps: going backward those selecting at
// least one position, going forward dask_keeps_forward's.
std::vector<std::int64_t> sliced_chunks(const ResolvedAxis& resolved,
                                        const std::vector<std::int64_t>& in) {
  const SliceAxis& a = resolved.axis;
  std::vector<std::int64_t> out;
  const auto bounds = chunk_boundaries(in);
  const std::size_t n = in.size();
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t c = resolved.step > 0 ? k : n - 1 - k;
    const std::int64_t m = selected_in(a, bounds[c], bounds[c + 1]);
    const bool kept =
        resolved.step > 0 ? dask_keeps_forward(resolved, bounds[c], bounds[c + 1]) : m > 0;
    if (kept) out.push_back(m);
  }
  if (out.empty()) out.push_back(0);  // an empty axis is one empty chunk, as zeros({0}) has
  return out;
}

}  // namespace

Array Array::operator[](const std::vector<IndexItem>& index) const {
  const int n = ndim();
  if (static_cast<int>(index.size()) > n)
    throw std::invalid_argument(fmt::format(
        "index: too many indices for array: array is {}-dimensional, but {} were indexed", n,
        index.size()));
  Shape out_shape;
  Chunks out_chunks;
  Node::Slice slice;
  bool identity = true;
  for (int axis = 0; axis < n; ++axis) {
    const std::int64_t extent = shape()[axis];
    const ResolvedAxis resolved =
        axis < static_cast<int>(index.size())
            ? std::visit([&](const auto& item) { return resolve(item, extent, axis); }, index[axis])
            : ResolvedAxis{{0, 1, extent, true}, extent, 1};
    const SliceAxis& a = resolved.axis;
    identity = identity && a.kept && a.start == 0 && a.step == 1 && a.count == extent;
    if (a.kept) {
      out_shape.push_back(a.count);
      out_chunks.push_back(sliced_chunks(resolved, chunks()[axis]));
    }
    slice.axes.push_back(a);
  }
  if (identity) return *this;  // x[:] is x, as in Dask
  return Array(std::make_shared<Node>(std::move(slice), "getitem", std::move(out_shape),
                                      std::move(out_chunks), dtype(), std::vector{node_}));
}

}  // namespace tessera
