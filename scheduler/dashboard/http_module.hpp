#pragma once
// The contract between the scheduler library and the dashboard's HTTP transport, a module that
// LocalCluster loads with dlopen only when it starts a dashboard. The transport links
// cpp-httplib, which links OpenSSL and initializes it when loaded: about 4 MB resident in every
// process that merely links it. Kept out of the library, a cluster without a dashboard (and
// every program that never starts one) does not pay for it.
//
// The module holds no state of its own beyond its servers: every request goes to the handler,
// which runs the library's code, so the diagnostics bus and every other singleton stay single.

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "http_types.hpp"

namespace tessera::dashboard {

/// One listening HTTP server, implemented by the module.
class HttpServer {
 public:
  virtual ~HttpServer() = default;
  /// Binds `host`:`port` (0: any free port). Returns the port bound, or -1 if it cannot be.
  virtual int bind(const std::string& host, int port) = 0;
  /// Serves the bound port on the server's own threads; returns once it accepts connections.
  virtual void start() = 0;
  /// Stops accepting, ends open connections and joins every thread. Idempotent.
  virtual void stop() = 0;
};

struct HttpServerConfig {
  HttpHandler handler;
  /// Threads answering requests (each live stream and idle keep-alive connection holds one).
  std::size_t threads = 24;
  /// Seconds an idle keep-alive connection is kept: bounds how long stop() waits for it.
  int keep_alive_seconds = 1;
  std::size_t max_request_body = 64 * 1024;
  /// Headers added to every response.
  std::vector<std::pair<std::string, std::string>> default_headers;
  /// Seconds a client has to send a whole request once it starts: a connection that trickles
  /// its headers (slowloris) is closed then, freeing its thread.
  int request_timeout_seconds = 3;
  /// Connections one client address may have open at once; more get 503 at once, so one client
  /// cannot hold every thread (a browser opens at most 6 to one server). 0: no limit.
  std::size_t max_connections_per_client = 12;
};

/// Bumped whenever anything in this header or http_types.hpp changes layout.
inline constexpr int kHttpModuleAbi = 2;

/// The module's one entry point, looked up by name with dlsym.
inline constexpr const char* kHttpModuleEntry = "tessera_dashboard_make_http_server";
using MakeHttpServer = HttpServer* (*)(int abi, HttpServerConfig config);

/// Loads the module (once per process) and makes a server. Throws std::runtime_error naming
/// every place searched when the module cannot be found or loaded.
std::unique_ptr<HttpServer> make_http_server(HttpServerConfig config);

/// Where make_http_server looks, in order: $TESSERA_DASHBOARD_MODULE, lib/tessera/ beside the
/// running program's bin/, the install directory, the build tree, then the loader's own path.
std::vector<std::string> http_module_candidates();

}  // namespace tessera::dashboard
