#pragma once
// Dashboard addresses as Dask writes them: "127.0.0.1:8787", ":0", "0.0.0.0:8787", "[::1]:8787",
// "localhost" (port 8787).

#include <string>
#include <string_view>

namespace tessera::dashboard {

/// A host and port to bind; port 0 means "any free port".
struct BindAddress {
  std::string host;  ///< without IPv6 brackets; an empty host becomes 127.0.0.1
  int port = 8787;
};

/// Parses "host:port", ":port", "host" or "[v6]:port"; throws std::invalid_argument on a bad port.
BindAddress parse_bind_address(std::string_view address);

/// True for 127.0.0.0/8, ::1 and "localhost": addresses only this machine can reach.
bool is_loopback(std::string_view host);

/// True for 0.0.0.0 and ::, which listen on every interface.
bool is_wildcard(std::string_view host);

/// The host as a URL shows it: this machine's name for a wildcard, brackets around IPv6.
std::string host_for_url(std::string_view host);

/// True when a Host header names this machine's loopback: localhost, 127.0.0.1, [::1] or
/// `bound_host` (as a URL shows it), in any case, with or without a port. A loopback dashboard
/// answers only these: a page on another site that rebinds its own DNS name to 127.0.0.1 (DNS
/// rebinding) reaches the port, but its requests carry that name.
bool is_loopback_host_header(std::string_view header, std::string_view bound_host);

}  // namespace tessera::dashboard
