#pragma once
// A readable task-group name for a callable, like Dask's funcname().

#include <string>
#include <type_traits>
#include <typeinfo>

namespace tessera::detail {

/// The symbol at `address` (demangled, without parameters), or "" when it cannot be found.
std::string symbol_name(const void* address);
/// The demangled name of `type` (what error messages name it by).
std::string type_name(const std::type_info& type);
/// A short name for a callable type: the class name, or "lambda" for closures.
std::string callable_type_name(const std::type_info& type);

template <class F>
std::string function_name(const F& function) {
  using Plain = std::remove_cvref_t<F>;
  if constexpr (std::is_pointer_v<Plain> && std::is_function_v<std::remove_pointer_t<Plain>>) {
    std::string name = symbol_name(reinterpret_cast<const void*>(function));
    return name.empty() ? "function" : name;
  } else if constexpr (std::is_function_v<Plain>) {
    return function_name(&function);
  } else {
    return callable_type_name(typeid(Plain));
  }
}

}  // namespace tessera::detail
