#pragma once
// Helpers for the dashboard tests: clusters on free loopback ports, short-timeout HTTP clients.

#include <httplib.h>

#include <regex>
#include <string>

#include "tessera/tessera.hpp"

namespace tessera::dashboard_test {

/// Options for a small CPU cluster whose dashboard binds `address` (a free port by default).
inline ClusterOptions options_at(std::string address = "127.0.0.1:0") {
  return {.n_workers = 2,
          .threads_per_worker = 1,
          .n_gpu_workers = 0,
          .dashboard_address = std::move(address)};
}

/// The port in a link such as "http://127.0.0.1:41234/status?token=..."; -1 if there is none.
inline int port_of(const std::string& link) {
  std::smatch match;
  static const std::regex port(R"(:(\d+)/)");
  return std::regex_search(link, match, port) ? std::stoi(match[1]) : -1;
}

/// The token in a link ("?token=..."), or "".
inline std::string token_of(const std::string& link) {
  const auto at = link.find("token=");
  return at == std::string::npos ? "" : link.substr(at + 6);
}

/// A client for 127.0.0.1:`port` with timeouts that keep every test bounded.
inline httplib::Client client_for(int port) {
  httplib::Client client("127.0.0.1", port);
  client.set_connection_timeout(5);
  client.set_read_timeout(10);
  client.set_write_timeout(5);
  return client;
}

}  // namespace tessera::dashboard_test
