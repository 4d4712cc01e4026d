#pragma once
// The dashboard's HTTP transport on cpp-httplib: converts requests and responses to the plain
// values of http_types.hpp and does nothing else, so what each request gets is decided by the
// handler in the scheduler library. Each connection gets a deadline per request and counts
// against a per-client limit; httplib itself only times out each read.
//
// The limit is on connections that may keep a thread waiting: over it, a client's connection is
// still answered (once, then closed) when its whole request is already there, so a browser, a
// proxy or a load test opening many quick connections from one address is served, while a
// client holding many unfinished requests gets 503 for all but `max_connections_per_client`.

#include <httplib.h>

#include <chrono>
#include <functional>

#include "client_limit.hpp"
#include "http_module.hpp"

namespace tessera::dashboard {

class HttplibTransport : public httplib::Server {
 public:
  explicit HttplibTransport(HttpServerConfig config);

  /// Answers the requests that arrive on `stream` (keep-alive, or only one), as a connection
  /// does; before each, `next_request` waits for it to start and says whether it did. Used for
  /// every accepted connection, and by the fuzzer with an in-memory stream.
  void serve(httplib::Stream& stream, const std::function<bool()>& next_request,
             bool keep_alive = true);

 private:
  // Runs on a server thread for each accepted connection (httplib's hook, overridden).
  bool process_and_close_socket(socket_t sock) override;

  HttpHandler handler_;
  std::chrono::milliseconds request_timeout_;
  ConnectionsPerClient clients_;
};

}  // namespace tessera::dashboard
