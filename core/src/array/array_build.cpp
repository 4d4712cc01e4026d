// Building array expressions: shapes, chunks and dtypes are checked and inferred here, at
// graph-build time, so bad arguments fail before anything runs.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "array/array_node.hpp"
#include "array/checked_count.hpp"
#include "tessera/array.hpp"

namespace tessera {

using detail::Node;
using detail::NodePtr;
using detail::Reduction;
using kernels::Op;

namespace {

// NumPy broadcasting of shapes, right-aligned.
Shape broadcast_shapes(const std::vector<const Array*>& arrays, const char* op) {
  std::size_t ndim = 0;
  for (const Array* a : arrays) ndim = std::max<std::size_t>(ndim, a->ndim());
  Shape shape(ndim, 1);
  for (const Array* a : arrays) {
    const std::size_t shift = ndim - a->ndim();
    for (std::size_t d = 0; d < static_cast<std::size_t>(a->ndim()); ++d) {
      std::int64_t extent = a->shape()[d];
      std::int64_t& out = shape[d + shift];
      if (extent == out || extent == 1) continue;
      if (out == 1) {
        out = extent;
        continue;
      }
      std::vector<std::string> shapes;
      for (const Array* x : arrays) shapes.push_back(format_shape(x->shape()));
      throw std::invalid_argument(
          fmt::format("{}: shapes {} cannot be broadcast together", op, fmt::join(shapes, " ")));
    }
  }
  return shape;
}

// Chunks of a broadcast result: the common refinement of every input not broadcast along a dim.
Chunks broadcast_chunks(const std::vector<const Array*>& arrays, const Shape& shape) {
  Chunks chunks(shape.size());
  for (std::size_t d = 0; d < shape.size(); ++d) {
    for (const Array* a : arrays) {
      const std::size_t shift = shape.size() - a->ndim();
      if (d < shift || a->shape()[d - shift] != shape[d]) continue;
      const auto& c = a->chunks()[d - shift];
      chunks[d] = chunks[d].empty() ? c : common_refinement(chunks[d], c);
    }
    if (chunks[d].empty()) chunks[d] = {shape[d]};  // every input broadcast: extent is 1
  }
  return chunks;
}

const char* op_name(Op op) {
  switch (op) {
    case Op::add:
      return "add";
    case Op::subtract:
      return "subtract";
    case Op::multiply:
      return "multiply";
    case Op::divide:
      return "divide";
    case Op::power:
      return "power";
    case Op::minimum:
      return "minimum";
    case Op::maximum:
      return "maximum";
    case Op::equal:
      return "equal";
    case Op::not_equal:
      return "not_equal";
    case Op::less:
      return "less";
    case Op::less_equal:
      return "less_equal";
    case Op::greater:
      return "greater";
    case Op::greater_equal:
      return "greater_equal";
    case Op::logical_and:
      return "logical_and";
    case Op::logical_or:
      return "logical_or";
    case Op::floor_divide:
      return "floor_divide";
    case Op::remainder:
      return "remainder";
    case Op::negate:
      return "negative";
    case Op::absolute:
      return "absolute";
    case Op::square_root:
      return "sqrt";
    case Op::exponential:
      return "exp";
    case Op::logarithm:
      return "log";
    case Op::sine:
      return "sin";
    case Op::cosine:
      return "cos";
    case Op::logical_not:
      return "invert";
    case Op::where:
      return "where";
    default:
      return "elementwise";
  }
}

bool is_comparison(Op op) {
  return op == Op::equal || op == Op::not_equal || op == Op::less || op == Op::less_equal ||
         op == Op::greater || op == Op::greater_equal;
}

DType binary_dtype(Op op, DType a, DType b) {
  if (is_comparison(op) || op == Op::logical_and || op == Op::logical_or) return DType::boolean;
  if (op == Op::subtract && a == DType::boolean && b == DType::boolean)
    throw std::invalid_argument(
        "subtract: boolean subtraction is not supported (NumPy raises too); use logical ops");
  DType result = promote(a, b);
  if (op == Op::divide && !is_floating(result)) return DType::float64;
  // NumPy's bool // bool and bool % bool are integers (int8 there; int64 is the integer here).
  if ((op == Op::floor_divide || op == Op::remainder) && result == DType::boolean)
    return DType::int64;
  return result;
}

Array elementwise(Op op, std::vector<const Array*> inputs, DType dtype) {
  Shape shape = broadcast_shapes(inputs, op_name(op));
  Chunks chunks = broadcast_chunks(inputs, shape);
  std::vector<NodePtr> input_nodes;
  for (const Array* a : inputs) input_nodes.push_back(detail::node_of(*a));
  return Array(std::make_shared<Node>(Node::Elementwise{op}, op_name(op), std::move(shape),
                                      std::move(chunks), dtype, std::move(input_nodes)));
}

Array binary(Op op, const Array& a, const Array& b) {
  return elementwise(op, {&a, &b}, binary_dtype(op, a.dtype(), b.dtype()));
}

Array unary_math(Op op, const Array& a) {
  return elementwise(op, {&a}, a.dtype() == DType::float32 ? DType::float32 : DType::float64);
}

Array leaf(std::string name, const Shape& shape, const ChunkSpec& chunks, DType dtype,
           kernels::Instruction instruction) {
  Chunks normalized = chunks.normalize(shape);
  instruction.dtype = dtype;
  instruction.integer = dtype == DType::int64;  // constant, arange and buffer leaves: exact int64
  return Array(std::make_shared<Node>(Node::Leaf{instruction, nullptr}, std::move(name), shape,
                                      std::move(normalized), dtype));
}

// The value a constant of `dtype` holds (NumPy's cast of the fill value). NaN, infinities and
// values beyond int64 have no int64 value: NumPy raises (np.int64(np.nan) is "cannot convert
// float NaN to integer") rather than store the INT64_MIN an unchecked cast gives.
double cast_value(double value, DType dtype) {
  switch (dtype) {
    case DType::boolean:
      return value != 0 ? 1 : 0;
    case DType::int64:
      if (!(value >= -0x1p63 && value < 0x1p63))
        throw std::invalid_argument(
            fmt::format("full: cannot convert {} to int64: it is not a finite value in the "
                        "int64 range",
                        value));
      return std::trunc(value);
    case DType::float32:
      return static_cast<float>(value);
    case DType::float64:
      break;
  }
  return value;
}

Array reduce(const Array& input, Reduction reduction, const char* name, const Axes& axes, int ddof,
             ReduceOptions options) {
  std::vector<int> reduced = axes.resolve(input.ndim());
  const int split_every =
      options.split_every == 0 ? detail::kDefaultSplitEvery : options.split_every;
  if (split_every < 2)
    throw std::invalid_argument(
        fmt::format("{}: invalid split_every {}: must be >= 2", name, options.split_every));
  if (ddof < 0)
    throw std::invalid_argument(fmt::format("{}: invalid ddof {}: must be >= 0", name, ddof));
  std::int64_t reduced_count = 1;
  for (int axis : reduced) reduced_count *= input.shape()[axis];
  const bool needs_elements = reduction == Reduction::min || reduction == Reduction::max ||
                              reduction == Reduction::mean || reduction == Reduction::var ||
                              reduction == Reduction::std;
  // Only an empty reduced axis leaves an output with nothing to reduce: np.zeros((2, 0)).max(0)
  // is an empty array, np.zeros((2, 0)).max(1) raises.
  if (needs_elements && reduced_count == 0)
    throw std::invalid_argument(fmt::format("{}: zero-size array {} has no {} over axes {}", name,
                                            format_shape(input.shape()), name, reduced));

  Shape shape;
  Chunks chunks;
  for (int d = 0; d < input.ndim(); ++d) {
    const bool is_reduced = std::binary_search(reduced.begin(), reduced.end(), d);
    if (!is_reduced) {
      shape.push_back(input.shape()[d]);
      chunks.push_back(input.chunks()[d]);
    } else if (options.keepdims) {
      shape.push_back(1);
      chunks.push_back({1});
    }
  }
  DType dtype = input.dtype();
  switch (reduction) {
    case Reduction::sum:
    case Reduction::prod:
      if (dtype == DType::boolean) dtype = DType::int64;
      break;
    case Reduction::any:
    case Reduction::all:
      dtype = DType::boolean;
      break;
    case Reduction::mean:
    case Reduction::var:
    case Reduction::std:
      if (!is_floating(dtype)) dtype = DType::float64;
      break;
    case Reduction::min:
    case Reduction::max:
      break;
  }
  Node::Reduce kind{reduction, std::move(reduced), ddof, options.keepdims, split_every};
  return Array(std::make_shared<Node>(std::move(kind), name, std::move(shape), std::move(chunks),
                                      dtype, std::vector{detail::node_of(input)}));
}

}  // namespace

// ---- Axes ----

std::vector<int> Axes::resolve(int ndim) const {
  std::vector<int> axes;
  if (!axes_) {
    axes.resize(ndim);
    std::iota(axes.begin(), axes.end(), 0);
    return axes;
  }
  for (int axis : *axes_) {
    if (axis < -ndim || axis >= ndim)
      throw std::invalid_argument(
          fmt::format("axis {} is out of range for an array of {} dimensions", axis, ndim));
    axes.push_back(axis < 0 ? axis + ndim : axis);
  }
  std::sort(axes.begin(), axes.end());
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    throw std::invalid_argument(fmt::format("axes {} repeat an axis", *axes_));
  return axes;
}

// ---- Array ----

// Every expression passes here, so no shape that broadcasting, astype or a creation function
// makes can have more bytes than int64 counts (size() and nbytes() once wrapped silently).
Array::Array(std::shared_ptr<const Node> node) : node_(std::move(node)) {
  detail::nbytes_or_throw(node_->name, node_->shape, node_->dtype);
}
const Shape& Array::shape() const {
  return node_->shape;
}
const Chunks& Array::chunks() const {
  return node_->chunks;
}
DType Array::dtype() const {
  return node_->dtype;
}
int Array::ndim() const {
  return static_cast<int>(node_->shape.size());
}
std::int64_t Array::size() const {
  return *detail::checked_product(node_->shape);  // fits: the constructor checked it
}
std::int64_t Array::nbytes() const {
  return *detail::checked_nbytes(node_->shape, node_->dtype);
}
std::vector<std::int64_t> Array::numblocks() const {
  return tessera::numblocks(node_->chunks);
}
Shape Array::chunksize() const {
  return tessera::chunksize(node_->chunks);
}
const std::string& Array::name() const {
  return node_->name;
}

Array Array::T() const {
  return transpose();
}

Array Array::transpose(std::vector<int> axes) const {
  const int n = ndim();
  if (axes.empty()) {
    for (int d = n - 1; d >= 0; --d) axes.push_back(d);
  }
  if (static_cast<int>(axes.size()) != n)
    throw std::invalid_argument(
        fmt::format("transpose: axes {} do not match an array of {} dimensions", axes, n));
  std::vector<int> resolved;
  for (int axis : axes) {
    if (axis < -n || axis >= n)
      throw std::invalid_argument(
          fmt::format("transpose: axis {} is out of range for {} dimensions", axis, n));
    resolved.push_back(axis < 0 ? axis + n : axis);
  }
  std::vector<int> sorted = resolved;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) != sorted.end())
    throw std::invalid_argument(fmt::format("transpose: axes {} repeat an axis", axes));
  Shape shape;
  Chunks chunks;
  for (int axis : resolved) {
    shape.push_back(node_->shape[axis]);
    chunks.push_back(node_->chunks[axis]);
  }
  return Array(std::make_shared<Node>(Node::Transpose{std::move(resolved)}, "transpose",
                                      std::move(shape), std::move(chunks), dtype(),
                                      std::vector{node_}));
}

Array Array::astype(DType dtype) const {
  if (dtype == this->dtype()) return *this;
  return Array(
      std::make_shared<Node>(Node::Cast{}, "astype", shape(), chunks(), dtype, std::vector{node_}));
}

Array Array::sum(const Axes& axes, ReduceOptions o) const {
  return reduce(*this, Reduction::sum, "sum", axes, 0, o);
}
Array Array::prod(const Axes& axes, ReduceOptions o) const {
  return reduce(*this, Reduction::prod, "prod", axes, 0, o);
}
Array Array::mean(const Axes& axes, ReduceOptions o) const {
  return reduce(*this, Reduction::mean, "mean", axes, 0, o);
}
Array Array::var(const Axes& axes, int ddof, ReduceOptions o) const {
  return reduce(*this, Reduction::var, "var", axes, ddof, o);
}
Array Array::std(const Axes& axes, int ddof, ReduceOptions o) const {
  return reduce(*this, Reduction::std, "std", axes, ddof, o);
}
Array Array::min(const Axes& axes, ReduceOptions o) const {
  return reduce(*this, Reduction::min, "min", axes, 0, o);
}
Array Array::max(const Axes& axes, ReduceOptions o) const {
  return reduce(*this, Reduction::max, "max", axes, 0, o);
}
Array Array::any(const Axes& axes, ReduceOptions o) const {
  return reduce(*this, Reduction::any, "any", axes, 0, o);
}
Array Array::all(const Axes& axes, ReduceOptions o) const {
  return reduce(*this, Reduction::all, "all", axes, 0, o);
}

// ---- elementwise ----

Array operator+(const Array& a, const Array& b) {
  return binary(Op::add, a, b);
}
Array operator-(const Array& a, const Array& b) {
  return binary(Op::subtract, a, b);
}
Array operator*(const Array& a, const Array& b) {
  return binary(Op::multiply, a, b);
}
Array operator/(const Array& a, const Array& b) {
  return binary(Op::divide, a, b);
}
Array operator==(const Array& a, const Array& b) {
  return binary(Op::equal, a, b);
}
Array operator!=(const Array& a, const Array& b) {
  return binary(Op::not_equal, a, b);
}
Array operator<(const Array& a, const Array& b) {
  return binary(Op::less, a, b);
}
Array operator<=(const Array& a, const Array& b) {
  return binary(Op::less_equal, a, b);
}
Array operator>(const Array& a, const Array& b) {
  return binary(Op::greater, a, b);
}
Array operator>=(const Array& a, const Array& b) {
  return binary(Op::greater_equal, a, b);
}
Array operator&(const Array& a, const Array& b) {
  return binary(Op::logical_and, a, b);
}
Array operator|(const Array& a, const Array& b) {
  return binary(Op::logical_or, a, b);
}
Array operator~(const Array& a) {
  return elementwise(Op::logical_not, {&a}, DType::boolean);
}
Array operator-(const Array& a) {
  if (a.dtype() == DType::boolean)
    throw std::invalid_argument("negative: not supported for bool arrays (use ~ for logical not)");
  return elementwise(Op::negate, {&a}, a.dtype());
}
Array operator%(const Array& a, const Array& b) {
  return binary(Op::remainder, a, b);
}
Array floor_divide(const Array& a, const Array& b) {
  return binary(Op::floor_divide, a, b);
}
Array floor_divide(const Array& a, Scalar b) {
  return floor_divide(a, b.as_array_for(a));
}
Array pow(const Array& base, const Array& exponent) {
  return binary(Op::power, base, exponent);
}
Array pow(const Array& base, Scalar exponent) {
  return pow(base, exponent.as_array_for(base));
}
Array minimum(const Array& a, const Array& b) {
  return binary(Op::minimum, a, b);
}
Array maximum(const Array& a, const Array& b) {
  return binary(Op::maximum, a, b);
}
Array sqrt(const Array& a) {
  return unary_math(Op::square_root, a);
}
Array exp(const Array& a) {
  return unary_math(Op::exponential, a);
}
Array log(const Array& a) {
  return unary_math(Op::logarithm, a);
}
Array sin(const Array& a) {
  return unary_math(Op::sine, a);
}
Array cos(const Array& a) {
  return unary_math(Op::cosine, a);
}
Array abs(const Array& a) {
  return elementwise(Op::absolute, {&a}, a.dtype() == DType::boolean ? DType::boolean : a.dtype());
}
Array where(const Array& condition, const Array& a, const Array& b) {
  return elementwise(Op::where, {&condition, &a, &b}, promote(a.dtype(), b.dtype()));
}
Array where(const Array& condition, Scalar a, Scalar b) {
  // Each branch takes its own dtype, as NumPy gives Python scalars alone: bool for true and
  // false, int64 for integers, float64 for floats (np.where(c, 3, -3) is int64). A scalar
  // against a bool array keeps exactly that dtype (Scalar::as_array_for).
  Array like = zeros({}, ChunkSpec(Chunks{}), DType::boolean);
  return where(condition, a.as_array_for(like), b.as_array_for(like));
}

Array Scalar::as_array_for(const Array& like) const {
  DType dtype;
  if (boolean_)
    dtype = like.dtype() == DType::boolean ? DType::boolean : like.dtype();
  else if (integral_)
    dtype = like.dtype() == DType::boolean ? DType::int64 : like.dtype();
  else
    dtype = is_floating(like.dtype()) ? like.dtype() : DType::float64;
  if (integral_) return detail::full_integer({}, integer_, ChunkSpec(Chunks{}), dtype);
  return full({}, value_, ChunkSpec(Chunks{}), dtype);
}

// ---- creation ----

Array full(const Shape& shape, double value, const ChunkSpec& chunks, DType dtype) {
  kernels::Instruction instruction;
  instruction.op = Op::load_constant;
  instruction.a = cast_value(value, dtype);
  // In range (cast_value checked), so the conversion is exact: a double beyond 2^53 is an integer.
  if (dtype == DType::int64) instruction.ia = static_cast<std::int64_t>(instruction.a);
  return leaf(value == 0 ? "zeros" : "full", shape, chunks, dtype, instruction);
}

namespace detail {
Array full_integer(const Shape& shape, std::int64_t value, const ChunkSpec& chunks, DType dtype) {
  if (dtype != DType::int64) return full(shape, static_cast<double>(value), chunks, dtype);
  kernels::Instruction instruction;
  instruction.op = Op::load_constant;
  instruction.ia = value;
  instruction.a = static_cast<double>(value);
  return leaf(value == 0 ? "zeros" : "full", shape, chunks, dtype, instruction);
}
}  // namespace detail
Array zeros(const Shape& shape, const ChunkSpec& chunks, DType dtype) {
  return full(shape, 0, chunks, dtype);
}
Array ones(const Shape& shape, const ChunkSpec& chunks, DType dtype) {
  return full(shape, 1, chunks, dtype);
}

Array arange(double start, double stop, double step, const ChunkSpec& chunks, DType dtype) {
  if (step == 0 || !std::isfinite(step))
    throw std::invalid_argument(fmt::format("arange: invalid step {}", step));
  if (!std::isfinite(start) || !std::isfinite(stop))
    throw std::invalid_argument(fmt::format("arange: invalid bounds {} .. {}", start, stop));
  const double count = std::max(0.0, std::ceil((stop - start) / step));
  // 2^63 is the first double beyond int64, and converting one beyond is undefined.
  if (count >= 0x1p63)
    throw std::invalid_argument(
        fmt::format("arange: {} .. {} in steps of {} has {} elements, more than int64 counts",
                    start, stop, step, count));
  const auto n = static_cast<std::int64_t>(count);
  kernels::Instruction instruction;
  instruction.op = Op::load_arange;
  instruction.a = start;
  instruction.b = step;
  Array values = leaf("arange", {n}, chunks, DType::float64, instruction);
  return values.astype(dtype);
}

Array arange(std::int64_t stop, const ChunkSpec& chunks) {
  return arange(0, stop, chunks);
}

Array arange(std::int64_t start, std::int64_t stop, const ChunkSpec& chunks) {
  // stop - start as unsigned: exact for stop > start whatever the two are (it is below 2^64).
  const std::uint64_t count =
      stop > start ? static_cast<std::uint64_t>(stop) - static_cast<std::uint64_t>(start) : 0;
  if (count > static_cast<std::uint64_t>(INT64_MAX))
    throw std::invalid_argument(fmt::format(
        "arange: {} .. {} has {} elements, more than int64 counts", start, stop, count));
  kernels::Instruction instruction;
  instruction.op = Op::load_arange;
  instruction.ia = start;
  instruction.ib = 1;
  return leaf("arange", {static_cast<std::int64_t>(count)}, chunks, DType::int64, instruction);
}

Array from_buffer(const void* data, DType dtype, const Shape& shape, const ChunkSpec& chunks) {
  check_shape(shape);
  const std::int64_t size = *detail::checked_product(shape);  // check_shape bounds it
  if (data == nullptr && size > 0)
    throw std::invalid_argument("from_buffer: null data for a non-empty array");
  kernels::Instruction instruction;
  instruction.op = Op::load_buffer;
  instruction.data = data;
  return leaf("array", shape, chunks, dtype, instruction);
}

Array from_ndarray(const NDArray& array, const ChunkSpec& chunks) {
  Array wrapped = from_buffer(array.raw(), array.dtype(), array.shape(), chunks);
  auto node = std::make_shared<Node>(*detail::node_of(wrapped));
  // Keeps the memory alive as long as any expression uses it.
  std::get<Node::Leaf>(node->kind).buffer_owner = array.owner();
  return Array(node);
}

}  // namespace tessera
