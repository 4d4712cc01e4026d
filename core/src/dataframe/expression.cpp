// Series: expressions over a frame's columns, typed when built, evaluated per partition.
#include <fmt/format.h>

#include <cmath>
#include <limits>
#include <stdexcept>

#include "dataframe/frame.hpp"

namespace tessera::dataframe {
namespace detail {
namespace {

using Op = Expr::Op;

const char* symbol(Op op) {
  static constexpr const char* symbols[] = {
      "column", "constant", "+", "-", "*", "/", "<", "<=", ">", ">=", "==", "!=", "&", "|", "~"};
  return symbols[static_cast<int>(op)];
}

bool is_number(ColumnType t) {
  return t == ColumnType::int64 || t == ColumnType::float64;
}

ColumnType type_of(const Scalar& s) {
  switch (s.kind) {
    case Scalar::Kind::int64:
      return ColumnType::int64;
    case Scalar::Kind::float64:
      return ColumnType::float64;
    case Scalar::Kind::boolean:
      return ColumnType::boolean;
    default:
      return ColumnType::string;
  }
}

// The result type of `a op b`, or std::invalid_argument naming the operation and both types.
ColumnType result_type(Op op, const Expr& a, const Expr& b) {
  const ColumnType x = a.type, y = b.type;
  auto refuse = [&]() -> ColumnType {
    throw std::invalid_argument(fmt::format("'{}' {} '{}': cannot apply {} to {} and {}", a.name,
                                            symbol(op), b.name, symbol(op), type_name(x),
                                            type_name(y)));
  };
  switch (op) {
    case Op::add:
    case Op::sub:
    case Op::mul:
      if (!is_number(x) || !is_number(y)) return refuse();
      return x == ColumnType::int64 && y == ColumnType::int64 ? ColumnType::int64
                                                              : ColumnType::float64;
    case Op::div:
      return is_number(x) && is_number(y) ? ColumnType::float64 : refuse();
    case Op::and_:
    case Op::or_:
      return x == ColumnType::boolean && y == ColumnType::boolean ? ColumnType::boolean : refuse();
    default:  // comparisons: numbers with numbers, strings with strings, bools with bools
      if ((is_number(x) && is_number(y)) || x == y) return ColumnType::boolean;
      return refuse();
  }
}

// Reads one operand's values without copying a column: constants and columns are read in place.
struct Operand {
  const Expr* expr;
  const Column* column = nullptr;
  Column owned;
};

Operand operand(const Expr& expr, const Table& table) {
  Operand o{&expr};
  if (expr.op == Op::column)
    o.column = &table.at(expr.name);
  else if (expr.op != Op::constant) {
    o.owned = evaluate(expr, table);
    o.column = &o.owned;
  }
  return o;
}

// Typed element access: f(accessor) with accessor(i) giving the value of row i as its type.
template <class F>
void visit_numbers(const Operand& o, F&& f) {
  if (!o.column) {
    const Scalar& s = o.expr->value;
    if (s.kind == Scalar::Kind::float64)
      f([d = s.d](std::size_t) { return d; });
    else
      f([i = s.i](std::size_t) { return i; });
    return;
  }
  const Column& c = *o.column;
  switch (c.type) {
    case ColumnType::int64:
      return f([p = c.int64s.data()](std::size_t i) { return p[i]; });
    case ColumnType::float64:
      return f([p = c.float64s.data()](std::size_t i) { return p[i]; });
    default:
      return f([p = c.bools.data()](std::size_t i) { return std::int64_t{p[i]}; });
  }
}

bool valid(const Operand& o, std::size_t i) {
  return !o.column || o.column->valid.empty() || o.column->valid[i];
}

template <class A, class B>
bool compare(Op op, const A& a, const B& b) {
  switch (op) {
    case Op::lt:
      return a < b;
    case Op::le:
      return a <= b;
    case Op::gt:
      return a > b;
    case Op::ge:
      return a >= b;
    case Op::eq:
      return a == b;
    default:
      return a != b;
  }
}

std::string_view string_of(const Operand& o, std::size_t i) {
  if (!o.column) return o.expr->value.s;
  return (*o.column->dictionary)[static_cast<std::size_t>(o.column->codes[i])];
}

Column binary(const Expr& expr, const Table& table) {
  const Operand a = operand(*expr.a, table), b = operand(*expr.b, table);
  const std::size_t n = table.num_rows();
  Column out;
  out.type = expr.type;
  const bool masked =
      (a.column && !a.column->valid.empty()) || (b.column && !b.column->valid.empty());
  if (expr.type == ColumnType::boolean) {
    out.bools.resize(n);
    // A missing value compares false, but unequal to everything (NaN's rule, which pandas
    // applies to missing values of every type), and is false in & and |.
    const bool if_missing = expr.op == Op::ne;
    if (expr.a->type == ColumnType::string) {
      for (std::size_t i = 0; i < n; ++i) {
        const bool present =
            (!a.column || a.column->codes[i] >= 0) && (!b.column || b.column->codes[i] >= 0);
        out.bools[i] = present ? compare(expr.op, string_of(a, i), string_of(b, i)) : if_missing;
      }
      return out;
    }
    visit_numbers(a, [&](auto x) {
      visit_numbers(b, [&](auto y) {
        for (std::size_t i = 0; i < n; ++i) {
          bool v;
          if (expr.op == Op::and_)
            v = x(i) != 0 && y(i) != 0;
          else if (expr.op == Op::or_)
            v = x(i) != 0 || y(i) != 0;
          else
            v = compare(expr.op, x(i), y(i));
          const bool present = !masked || (valid(a, i) && valid(b, i));
          out.bools[i] = present ? v : if_missing;
        }
      });
    });
    return out;
  }
  visit_numbers(a, [&](auto x) {
    visit_numbers(b, [&](auto y) {
      auto apply = [&](auto u, auto v) {
        switch (expr.op) {
          case Op::add:
            return u + v;
          case Op::sub:
            return u - v;
          case Op::mul:
            return u * v;
          default:
            return u / v;
        }
      };
      if (expr.type == ColumnType::int64) {
        out.int64s.resize(n);
        for (std::size_t i = 0; i < n; ++i) {
          // Wrapping as NumPy's int64 does, without signed overflow.
          const auto u = static_cast<std::uint64_t>(x(i)), v = static_cast<std::uint64_t>(y(i));
          out.int64s[i] = static_cast<std::int64_t>(apply(u, v));
        }
        if (masked) {
          out.valid.resize(n);
          for (std::size_t i = 0; i < n; ++i) out.valid[i] = valid(a, i) && valid(b, i);
        }
      } else {
        out.float64s.resize(n);
        for (std::size_t i = 0; i < n; ++i)
          out.float64s[i] = valid(a, i) && valid(b, i)
                                ? apply(static_cast<double>(x(i)), static_cast<double>(y(i)))
                                : std::numeric_limits<double>::quiet_NaN();
      }
    });
  });
  return out;
}

}  // namespace

void columns_read(const Expr& expr, std::vector<std::string>& names) {
  if (expr.op == Op::column) {
    if (std::find(names.begin(), names.end(), expr.name) == names.end()) names.push_back(expr.name);
    return;
  }
  if (expr.a) columns_read(*expr.a, names);
  if (expr.b) columns_read(*expr.b, names);
}

Column evaluate(const Expr& expr, const Table& table) {
  switch (expr.op) {
    case Op::column:
      return table.at(expr.name);
    case Op::constant:
      throw std::logic_error("a constant is evaluated by its operation");
    case Op::not_: {
      Column in = evaluate(*expr.a, table);
      for (std::size_t i = 0; i < in.bools.size(); ++i)
        in.bools[i] = !in.bools[i] && (in.valid.empty() || in.valid[i]);
      in.valid.clear();
      return in;
    }
    default:
      return binary(expr, table);
  }
}

}  // namespace detail

using detail::Expr;
using detail::Op;

Series::Series(std::shared_ptr<const detail::Frame> frame, std::shared_ptr<const detail::Expr> expr)
    : frame_(std::move(frame)), expr_(std::move(expr)) {}

const std::string& Series::name() const {
  return expr_->name;
}
ColumnType Series::dtype() const {
  return expr_->type;
}

Series Series::constant(const Scalar& value) const {
  auto expr = std::make_shared<Expr>();
  expr->op = Op::constant;
  expr->type = detail::type_of(value);
  expr->value = value;
  expr->name = value.kind == Scalar::Kind::string    ? value.s
               : value.kind == Scalar::Kind::float64 ? fmt::format("{}", value.d)
                                                     : std::to_string(value.i);
  return Series(frame_, std::move(expr));
}

Series Series::operator~() const {
  if (expr_->type != ColumnType::boolean)
    throw std::invalid_argument(
        fmt::format("~'{}': cannot negate a {} Series", expr_->name, type_name(expr_->type)));
  auto expr = std::make_shared<Expr>();
  expr->op = Op::not_;
  expr->type = ColumnType::boolean;
  expr->name = expr_->name;
  expr->a = expr_;
  return Series(frame_, std::move(expr));
}

Series Series::binary(std::uint8_t code, const Series& a, const Series& b) {
  const auto op = static_cast<Op>(code);
  if (!(a.frame_->csv ? a.frame_->csv == b.frame_->csv
                      : !b.frame_->csv && a.frame_->tasks == b.frame_->tasks))
    throw std::invalid_argument(fmt::format("'{}' {} '{}': the Series come from different frames",
                                            a.name(), detail::symbol(op), b.name()));
  auto expr = std::make_shared<Expr>();
  expr->op = op;
  expr->type = detail::result_type(op, *a.expr_, *b.expr_);
  expr->name = a.expr_->op == Op::constant ? b.expr_->name : a.expr_->name;
  expr->a = a.expr_;
  expr->b = b.expr_;
  return Series(a.frame_, std::move(expr));
}

#define TESSERA_SERIES_OPERATOR(op, code)                             \
  Series operator op(const Series& a, const Series& b) {              \
    return Series::binary(static_cast<std::uint8_t>(Op::code), a, b); \
  }
TESSERA_SERIES_OPERATOR(+, add)
TESSERA_SERIES_OPERATOR(-, sub)
TESSERA_SERIES_OPERATOR(*, mul)
TESSERA_SERIES_OPERATOR(/, div)
TESSERA_SERIES_OPERATOR(<, lt)
TESSERA_SERIES_OPERATOR(<=, le)
TESSERA_SERIES_OPERATOR(>, gt)
TESSERA_SERIES_OPERATOR(>=, ge)
TESSERA_SERIES_OPERATOR(==, eq)
TESSERA_SERIES_OPERATOR(!=, ne)
TESSERA_SERIES_OPERATOR(&, and_)
TESSERA_SERIES_OPERATOR(|, or_)
#undef TESSERA_SERIES_OPERATOR

}  // namespace tessera::dataframe
