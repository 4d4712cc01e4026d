#pragma once
// delayed(f)(args...) builds a lazy task, as dask.delayed does; compute() runs it on the cluster.

#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "tessera/detail/function_name.hpp"
#include "tessera/run_graph.hpp"
#include "tessera/task.hpp"

namespace tessera {

template <class T>
class Delayed;

namespace detail {
template <class T>
struct is_delayed : std::false_type {};
template <class T>
struct is_delayed<Delayed<T>> : std::true_type {};
template <class T>
inline constexpr bool is_delayed_v = is_delayed<std::remove_cvref_t<T>>::value;

template <class T>
struct is_delayed_list : std::false_type {};
template <class T>
struct is_delayed_list<std::vector<Delayed<T>>> : std::true_type {};
/// A std::vector<Delayed<U>> argument: every element is a dependency (as Dask does for lists).
template <class T>
inline constexpr bool is_delayed_list_v = is_delayed_list<std::remove_cvref_t<T>>::value;

/// The type a task function sees for an argument: Delayed<U> arrives as const U&.
template <class A>
struct argument_of {
  using type = std::decay_t<A>;
};
template <class U>
struct argument_of<Delayed<U>> {
  using type = U;
};
template <class U>
struct argument_of<std::vector<Delayed<U>>> {
  using type = std::vector<U>;
};
template <class A>
using argument_t = typename argument_of<std::remove_cvref_t<A>>::type;

/// A task result as the T its Delayed<T> promises; a mismatch (a task built by hand wrapped in
/// the wrong Delayed<T>) throws ValueTypeError naming both types.
template <class T>
const T& value_as(const Value& value) {
  return value.get<T>();
}
}  // namespace detail

/// A lazy value of type T: the result of a task not yet run.
template <class T>
class Delayed {
  static_assert(!std::is_void_v<T>, "delayed functions must return a value");
  static_assert(!std::is_reference_v<T>, "delayed functions must return by value");

 public:
  using value_type = T;

  /// Wraps an existing task whose function returns a T.
  explicit Delayed(TaskPtr node) : node_(std::move(node)) {}

  /// Runs the task and everything it depends on; throws TaskError when a task fails, ClosedError
  /// when the cluster was closed under it.
  T compute() const { return detail::value_as<T>(run_graph({node_})->output(0)); }

  const TaskPtr& node() const noexcept { return node_; }
  /// The task key, e.g. "calculate_pi-1f".
  std::string key() const { return node_->key(); }

 private:
  TaskPtr node_;
};

/// A function wrapped by delayed(): calling it builds a task instead of running. Arguments that
/// are Delayed (or vectors of Delayed) become dependencies; the function receives their values.
template <class F>
class DelayedFunction {
 public:
  DelayedFunction(F function, std::string name)
      : function_(std::move(function)), name_(std::move(name)) {}

  /// Builds a task calling the function with `args`; Delayed arguments become dependencies.
  template <class... Args>
  auto operator()(Args&&... args) const {
    using Result = std::decay_t<std::invoke_result_t<const F&, const detail::argument_t<Args>&...>>;
    std::vector<TaskPtr> dependencies;
    (collect_dependency(dependencies, args), ...);
    // Each argument becomes a getter: a captured value, or the next input of the task.
    auto bound = std::make_tuple(bind_argument(std::forward<Args>(args))...);
    TaskFunction run = [function = function_, bound = std::move(bound)](
                           std::span<const Value* const> inputs, const TaskContext&) -> Value {
      std::size_t next_input = 0;
      return std::apply(
          [&](const auto&... getters) {
            // Braced init evaluates left to right, so inputs are taken in argument order.
            return call_in_order(function, next_input, inputs, getters...);
          },
          bound);
    };
    return Delayed<Result>(
        std::make_shared<const TaskNode>(name_, std::move(dependencies), std::move(run)));
  }

 private:
  template <class A>
  static void collect_dependency(std::vector<TaskPtr>& dependencies, const A& argument) {
    if constexpr (detail::is_delayed_v<A>) dependencies.push_back(argument.node());
    if constexpr (detail::is_delayed_list_v<A>)
      for (const auto& element : argument) dependencies.push_back(element.node());
  }

  template <class U>
  struct InputGetter {
    const U& operator()(std::size_t& next, std::span<const Value* const> inputs) const {
      return detail::value_as<U>(*inputs[next++]);
    }
  };
  template <class U>
  struct ListGetter {
    std::size_t count;
    std::vector<U> operator()(std::size_t& next, std::span<const Value* const> inputs) const {
      std::vector<U> values;
      values.reserve(count);
      for (std::size_t k = 0; k < count; ++k)
        values.push_back(detail::value_as<U>(*inputs[next++]));
      return values;
    }
  };
  template <class U>
  struct ValueGetter {
    U value;
    const U& operator()(std::size_t&, std::span<const Value* const>) const { return value; }
  };

  template <class A>
  static auto bind_argument(A&& argument) {
    if constexpr (detail::is_delayed_v<A>) {
      return InputGetter<typename std::remove_cvref_t<A>::value_type>{};
    } else if constexpr (detail::is_delayed_list_v<A>) {
      return ListGetter<typename std::remove_cvref_t<A>::value_type::value_type>{argument.size()};
    } else {
      return ValueGetter<std::decay_t<A>>{std::forward<A>(argument)};
    }
  }

  template <class... Getters>
  static Value call_in_order(const F& function, std::size_t& next,
                             std::span<const Value* const> inputs, const Getters&... getters) {
    // Resolve every argument first (in order), then call.
    using Refs = std::tuple<decltype(getters(next, inputs))...>;
    Refs refs{getters(next, inputs)...};
    return Value(std::apply(function, refs));
  }

  F function_;
  std::string name_;
};

/// Wraps `function` so that calling it builds a lazy task (dask.delayed). The task group name is
/// `name`, or the function's symbol name where it can be found.
template <class F>
DelayedFunction<std::decay_t<F>> delayed(F&& function, std::string name = {}) {
  if (name.empty()) name = detail::function_name(function);
  return DelayedFunction<std::decay_t<F>>(std::forward<F>(function), std::move(name));
}

/// Computes several delayed values in one graph (shared work once), returning a tuple.
template <class... T>
std::tuple<T...> compute(const Delayed<T>&... values) {
  auto computation = run_graph({values.node()...});
  return [&]<std::size_t... k>(std::index_sequence<k...>) {
    return std::tuple<T...>{detail::value_as<T>(computation->output(k))...};
  }
  (std::index_sequence_for<T...>{});
}

/// Computes a list of delayed values in parallel, returning their values in order.
template <class T>
std::vector<T> compute(const std::vector<Delayed<T>>& values) {
  std::vector<TaskPtr> outputs;
  outputs.reserve(values.size());
  for (const auto& value : values) outputs.push_back(value.node());
  auto computation = run_graph(std::move(outputs));
  std::vector<T> results;
  results.reserve(values.size());
  for (std::size_t k = 0; k < values.size(); ++k)
    results.push_back(detail::value_as<T>(computation->output(k)));
  return results;
}

}  // namespace tessera
