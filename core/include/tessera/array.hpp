#pragma once
// tessera::Array: a lazy N-d array cut into chunks (dask.array). Operations build an expression;
// compute() lowers it into one fused kernel task per output chunk and runs them on the cluster.

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <variant>
#include <vector>

#include "tessera/chunks.hpp"
#include "tessera/ndarray.hpp"
#include "tessera/task.hpp"

namespace tessera {

class Array;

namespace detail {
struct Node;
/// The expression an array wraps: for the library's lowering, not for users, who see the
/// operations and their results.
const std::shared_ptr<const Node>& node_of(const Array& array) noexcept;
}  // namespace detail

/// Axes of a reduction or transpose: one axis, a list, or (default) all. Negative axes count
/// from the end, as in NumPy.
class Axes {
 public:
  Axes() = default;                  ///< all axes
  Axes(int axis) : axes_{{axis}} {}  // NOLINT(google-explicit-constructor)
  Axes(std::initializer_list<int> axes) : axes_(std::vector<int>(axes)) {}  // NOLINT
  Axes(std::vector<int> axes) : axes_(std::move(axes)) {}  // NOLINT(google-explicit-constructor)
  /// The axes for an array of `ndim` dimensions: sorted, non-negative; throws naming an axis
  /// out of range or repeated.
  std::vector<int> resolve(int ndim) const;

 private:
  std::optional<std::vector<int>> axes_;
};

/// One axis of a basic index, Python's start:stop:step. Absent bounds run to the ends of the axis
/// (in the direction of `step`); negative bounds count from the end; bounds beyond the axis are
/// clipped, as in NumPy. Slice{} is `:`, Slice{1, 5} is `1:5`, Slice{.step = -1} is `::-1`.
struct Slice {
  std::optional<std::int64_t> start, stop;
  std::int64_t step = 1;
};

/// What indexes one axis: a position (negative counts from the end; the axis is dropped, as
/// x[3] drops it in NumPy) or a Slice.
using IndexItem = std::variant<std::int64_t, Slice>;

/// Options of a reduction.
struct ReduceOptions {
  bool keepdims = false;
  int split_every = 0;  ///< fan-in of the combine tree; 0: Dask's default (4)
};

class Array {
 public:
  /// Wraps an expression node (used by the creation functions).
  explicit Array(std::shared_ptr<const detail::Node> node);

  const Shape& shape() const;
  const Chunks& chunks() const;
  DType dtype() const;
  int ndim() const;
  std::int64_t size() const;
  std::int64_t nbytes() const;
  std::vector<std::int64_t> numblocks() const;
  /// The largest chunk along each dimension.
  Shape chunksize() const;
  /// The operation that made it ("random_sample", "add", "mean", ...).
  const std::string& name() const;
  /// Number of tasks compute() would run.
  std::size_t task_count() const;

  /// Runs the graph and returns the result in host memory.
  NDArray compute() const;
  /// Runs the graph and keeps the chunks; the returned array reads them instead of recomputing.
  Array persist() const;

  /// Reverses the axes (x.T in NumPy).
  Array T() const;
  /// Permutes the axes; empty means reverse.
  Array transpose(std::vector<int> axes = {}) const;
  /// The same values in another dtype.
  Array astype(DType dtype) const;

  /// NumPy's basic indexing, Dask's x[...]: x[{Slice{1, 5}, 3}] is x[1:5, 3]. Axes left out are
  /// taken whole. Lazy: the selection fuses into the kernels (random leaves generate only what
  /// is selected), and the result's chunks are the parts of the input's chunks it keeps, as in
  /// Dask. A position out of range, a zero step or too many items throw, naming the value.
  Array operator[](const std::vector<IndexItem>& index) const;
  Array operator[](std::int64_t position) const {
    return (*this)[std::vector<IndexItem>{position}];
  }
  /// x[Slice{1, 5}]. A template, so that x[{1, 5}] stays two positions and never becomes a Slice.
  template <class S>
  requires std::same_as<S, Slice> Array operator[](const S& slice) const {
    return (*this)[std::vector<IndexItem>{slice}];
  }

  Array sum(const Axes& axes = {}, ReduceOptions options = {}) const;
  Array prod(const Axes& axes = {}, ReduceOptions options = {}) const;
  Array mean(const Axes& axes = {}, ReduceOptions options = {}) const;
  Array var(const Axes& axes = {}, int ddof = 0, ReduceOptions options = {}) const;
  Array std(const Axes& axes = {}, int ddof = 0, ReduceOptions options = {}) const;
  Array min(const Axes& axes = {}, ReduceOptions options = {}) const;
  Array max(const Axes& axes = {}, ReduceOptions options = {}) const;
  Array any(const Axes& axes = {}, ReduceOptions options = {}) const;
  Array all(const Axes& axes = {}, ReduceOptions options = {}) const;

  /// Dask's repr: name, shape, dtype, chunksize, numblocks, tasks.
  friend std::ostream& operator<<(std::ostream& out, const Array& array);

 private:
  friend const std::shared_ptr<const detail::Node>& detail::node_of(const Array& array) noexcept;

  std::shared_ptr<const detail::Node> node_;
};

inline const std::shared_ptr<const detail::Node>& detail::node_of(const Array& array) noexcept {
  return array.node_;
}

// ---- elementwise (NumPy broadcasting; scalars take the array's dtype where NumPy would) ----
Array operator+(const Array& a, const Array& b);
Array operator-(const Array& a, const Array& b);
Array operator*(const Array& a, const Array& b);
Array operator/(const Array& a, const Array& b);
/// NumPy's a % b (np.remainder): the sign of b; int64 % 0 is 0, as NumPy gives (with a warning).
Array operator%(const Array& a, const Array& b);
Array operator-(const Array& a);
Array operator==(const Array& a, const Array& b);
Array operator!=(const Array& a, const Array& b);
Array operator<(const Array& a, const Array& b);
Array operator<=(const Array& a, const Array& b);
Array operator>(const Array& a, const Array& b);
Array operator>=(const Array& a, const Array& b);
/// Logical and / or / not of bool arrays (NumPy's & | ~ on bools).
Array operator&(const Array& a, const Array& b);
Array operator|(const Array& a, const Array& b);
Array operator~(const Array& a);

/// A scalar operand: a double (float), or an integer (int64 unless the array is floating; kept
/// exactly for int64).
class Scalar {
 public:
  Scalar(double value) : value_(value), integral_(false) {}  // NOLINT(google-explicit-constructor)
  Scalar(int value) : value_(value), integral_(true), integer_(value) {}  // NOLINT
  Scalar(std::int64_t value)                                              // NOLINT
      : value_(static_cast<double>(value)), integral_(true), integer_(value) {}
  Scalar(bool value)  // NOLINT(google-explicit-constructor)
      : value_(value ? 1 : 0), integral_(true), boolean_(true), integer_(value) {}
  /// The scalar as an array that broadcasts against `like` with NumPy's weak-scalar dtype.
  Array as_array_for(const Array& like) const;

 private:
  double value_;
  bool integral_;
  bool boolean_ = false;
  std::int64_t integer_ = 0;  ///< integers: the value itself (value_ is it rounded to double)
};

#define TESSERA_SCALAR_OPERATOR(op)                    \
  inline Array operator op(const Array& a, Scalar b) { \
    return a op b.as_array_for(a);                     \
  }                                                    \
  inline Array operator op(Scalar a, const Array& b) { \
    return a.as_array_for(b) op b;                     \
  }
TESSERA_SCALAR_OPERATOR(+)
TESSERA_SCALAR_OPERATOR(-)
TESSERA_SCALAR_OPERATOR(*)
TESSERA_SCALAR_OPERATOR(/)
TESSERA_SCALAR_OPERATOR(==)
TESSERA_SCALAR_OPERATOR(!=)
TESSERA_SCALAR_OPERATOR(<)
TESSERA_SCALAR_OPERATOR(<=)
TESSERA_SCALAR_OPERATOR(>)
TESSERA_SCALAR_OPERATOR(>=)
TESSERA_SCALAR_OPERATOR(%)
#undef TESSERA_SCALAR_OPERATOR

/// NumPy's a // b (np.floor_divide): int64 // 0 is 0 and INT64_MIN // -1 is INT64_MIN, as NumPy
/// gives (with a warning).
Array floor_divide(const Array& a, const Array& b);
Array floor_divide(const Array& a, Scalar b);
Array pow(const Array& base, const Array& exponent);
Array pow(const Array& base, Scalar exponent);
Array sqrt(const Array& a);
Array exp(const Array& a);
Array log(const Array& a);
Array abs(const Array& a);
Array sin(const Array& a);
Array cos(const Array& a);
Array minimum(const Array& a, const Array& b);
Array maximum(const Array& a, const Array& b);
/// condition ? a : b elementwise, broadcasting all three.
Array where(const Array& condition, const Array& a, const Array& b);
Array where(const Array& condition, Scalar a, Scalar b);

// ---- creation ----
Array zeros(const Shape& shape, const ChunkSpec& chunks, DType dtype = DType::float64);
Array ones(const Shape& shape, const ChunkSpec& chunks, DType dtype = DType::float64);
Array full(const Shape& shape, double value, const ChunkSpec& chunks, DType dtype = DType::float64);
namespace detail {
Array full_integer(const Shape& shape, std::int64_t value, const ChunkSpec& chunks, DType dtype);
}
/// An int64 fill value, exact in an int64 array (other dtypes take it as NumPy converts it). A
/// template so that an int literal still picks the overload above.
template <class T>
requires std::same_as<T, std::int64_t> Array full(const Shape& shape, T value,
                                                  const ChunkSpec& chunks,
                                                  DType dtype = DType::float64) {
  return detail::full_integer(shape, value, chunks, dtype);
}
/// start, start + step, ... below stop (float64 unless dtype says otherwise).
Array arange(double start, double stop, double step, const ChunkSpec& chunks,
             DType dtype = DType::float64);
/// 0, 1, ..., stop - 1 as int64.
Array arange(std::int64_t stop, const ChunkSpec& chunks);
/// start, start + 1, ..., stop - 1 as int64, exactly over the whole int64 range.
Array arange(std::int64_t start, std::int64_t stop, const ChunkSpec& chunks);
/// Wraps host memory without copying; `data` must outlive every computation of the result.
Array from_buffer(const void* data, DType dtype, const Shape& shape, const ChunkSpec& chunks);
template <class T>
Array from_buffer(const T* data, const Shape& shape, const ChunkSpec& chunks) {
  return from_buffer(static_cast<const void*>(data), dtype_of<T>(), shape, chunks);
}
/// Wraps a host array (shares its memory).
Array from_ndarray(const NDArray& array, const ChunkSpec& chunks);

/// Adds the tasks that compute `array` to a picture: visualize(array, "graph.svg").
void collect_visualized(std::vector<TaskPtr>& nodes, const Array& array);

}  // namespace tessera
