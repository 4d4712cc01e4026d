// Finds and loads the dashboard's HTTP transport module (see http_module.hpp).
#include <dlfcn.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <stdexcept>

#include "http_module.hpp"

namespace tessera::dashboard {
namespace {

constexpr const char* kModuleFile = "libtessera_dashboard_http.so";
// Relative to the prefix, in an install and in the build tree alike: <prefix>/bin holds the
// programs and <prefix>/<libdir>/tessera the module.
#ifdef TESSERA_DASHBOARD_MODULE_RELATIVE_DIR
constexpr const char* kModuleRelativeDir = TESSERA_DASHBOARD_MODULE_RELATIVE_DIR;
#else
constexpr const char* kModuleRelativeDir = "lib/tessera";
#endif

// The directory of the running program, or "" if /proc cannot say.
std::filesystem::path program_directory() {
  std::error_code error;
  const auto program = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : program.parent_path();
}

struct LoadedModule {
  MakeHttpServer make = nullptr;
  std::string error;  // why it could not be loaded, when make is null
};

// dlopen once per process, and never dlclose: server threads run the module's code.
const LoadedModule& loaded_module() {
  static const LoadedModule module = [] {
    LoadedModule out;
    std::string tried;
    for (const std::string& candidate : http_module_candidates()) {
      const bool bare = candidate.find('/') == std::string::npos;
      if (!bare && !std::filesystem::exists(candidate)) {
        tried += fmt::format("\n  {} (not there)", candidate);
        continue;
      }
      void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (!handle) {
        tried += fmt::format("\n  {} ({})", candidate, dlerror());
        continue;
      }
      auto make = reinterpret_cast<MakeHttpServer>(dlsym(handle, kHttpModuleEntry));
      if (!make) {
        tried += fmt::format("\n  {} (no {})", candidate, kHttpModuleEntry);
        dlclose(handle);
        continue;
      }
      out.make = make;
      return out;
    }
    out.error = fmt::format(
        "the dashboard's HTTP module {} was not found or did not load (set "
        "TESSERA_DASHBOARD_MODULE to its path); tried:{}",
        kModuleFile, tried);
    return out;
  }();
  return module;
}

}  // namespace

std::vector<std::string> http_module_candidates() {
  std::vector<std::string> out;
  if (const char* path = std::getenv("TESSERA_DASHBOARD_MODULE"); path && *path) {
    out.emplace_back(path);
    return out;  // an explicit choice: nothing else is tried
  }
  if (const auto bin = program_directory(); !bin.empty())
    out.push_back((bin.parent_path() / kModuleRelativeDir / kModuleFile).string());
#ifdef TESSERA_DASHBOARD_MODULE_INSTALL_DIR
  out.push_back(std::string(TESSERA_DASHBOARD_MODULE_INSTALL_DIR) + "/" + kModuleFile);
#endif
#ifdef TESSERA_DASHBOARD_MODULE_BUILD_PATH
  out.emplace_back(TESSERA_DASHBOARD_MODULE_BUILD_PATH);
#endif
  out.emplace_back(kModuleFile);  // LD_LIBRARY_PATH, the program's run path, ld.so.cache
  return out;
}

std::unique_ptr<HttpServer> make_http_server(HttpServerConfig config) {
  const LoadedModule& module = loaded_module();
  if (!module.make) throw std::runtime_error(module.error);
  HttpServer* server = module.make(kHttpModuleAbi, std::move(config));
  if (!server)
    throw std::runtime_error(fmt::format(
        "the dashboard's HTTP module is from another Tessera build (interface version {} "
        "expected)",
        kHttpModuleAbi));
  return std::unique_ptr<HttpServer>(server);
}

}  // namespace tessera::dashboard
