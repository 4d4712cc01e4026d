#pragma once
// The dashboard's HTTP server (cpp-httplib): pages, JSON under api/v1/, Server-Sent Events,
// /health and /metrics. Read-only: every route is GET (HEAD); other methods get 405.

#include <memory>
#include <string>

#include "cluster_view.hpp"

namespace tessera::dashboard {

class DashboardServer {
 public:
  /// Binds `address` ("host:port"; port 0 picks a free one; a taken port falls back to a free
  /// one with a warning), subscribes to the diagnostics bus and serves on its own threads.
  /// A non-loopback host requires a token. Throws std::runtime_error if nothing can be bound.
  DashboardServer(ClusterView view, const std::string& address, const std::string& link_template);
  /// Stops serving (see stop()).
  ~DashboardServer();
  DashboardServer(const DashboardServer&) = delete;
  DashboardServer& operator=(const DashboardServer&) = delete;

  /// Ends live streams, unsubscribes, closes the port and joins the server's threads. Idempotent.
  void stop();
  /// The host as bound.
  const std::string& host() const;
  /// The port as bound (the requested one unless it was taken or 0).
  int port() const;
  /// The link to print: the template expanded, with "?token=..." when a token is required.
  const std::string& link() const;
  /// True when requests must carry the token (non-loopback binds).
  bool token_required() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::dashboard
