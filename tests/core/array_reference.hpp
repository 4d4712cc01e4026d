#pragma once
// Straightforward reference implementations for array tests: full arrays in doubles, plain loops,
// NumPy's semantics written out. Slow and obvious on purpose.

#include <cmath>
#include <cstdint>
#include <functional>
#include <numeric>
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

/// The elements of a computed NDArray as doubles.
inline std::vector<double> values_of(const NDArray& array) {
  std::vector<double> out(static_cast<std::size_t>(array.size()));
  for (std::int64_t i = 0; i < array.size(); ++i) out[i] = array.element_as_double(i);
  return out;
}

}  // namespace tessera::test_support
