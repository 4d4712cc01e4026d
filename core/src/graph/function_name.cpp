#include "tessera/detail/function_name.hpp"

#include <cxxabi.h>
#include <dlfcn.h>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace tessera::detail {
namespace {

std::string demangle(const char* mangled) {
  int status = 0;
  std::unique_ptr<char, decltype(&std::free)> text(
      abi::__cxa_demangle(mangled, nullptr, nullptr, &status), &std::free);
  return status == 0 && text ? std::string(text.get()) : std::string(mangled);
}

// "ns::calculate_pi(double)" -> "calculate_pi"; keeps template arguments out of the way.
std::string last_component(std::string name) {
  if (auto paren = name.find('('); paren != std::string::npos) name.resize(paren);
  int depth = 0;
  for (std::size_t i = name.size(); i-- > 0;) {
    char c = name[i];
    if (c == '>') ++depth;
    if (c == '<') --depth;
    if (depth == 0 && c == ':' && i > 0 && name[i - 1] == ':') return name.substr(i + 1);
  }
  return name;
}

}  // namespace

std::string symbol_name(const void* address) {
  // dladdr costs microseconds and delayed(f) is often called once per task in a loop: cache.
  static std::mutex mutex;
  static std::unordered_map<const void*, std::string> cache;
  std::lock_guard lock(mutex);
  if (auto hit = cache.find(address); hit != cache.end()) return hit->second;
  Dl_info info{};
  std::string name;
  // dladdr finds symbols of shared libraries, and of executables linked with -rdynamic.
  if (dladdr(address, &info) != 0 && info.dli_sname != nullptr)
    name = last_component(demangle(info.dli_sname));
  cache.emplace(address, name);
  return name;
}

std::string type_name(const std::type_info& type) {
  return demangle(type.name());
}

std::string callable_type_name(const std::type_info& type) {
  std::string name = demangle(type.name());
  if (name.find("lambda") != std::string::npos) return "lambda";
  return last_component(name);
}

}  // namespace tessera::detail
