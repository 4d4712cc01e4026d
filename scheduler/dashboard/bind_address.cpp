#include "bind_address.hpp"

#include <arpa/inet.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <stdexcept>

namespace tessera::dashboard {

BindAddress parse_bind_address(std::string_view address) {
  BindAddress out;
  std::string_view host = address, port;
  if (address.starts_with('[')) {  // [v6]:port
    const auto close = address.find(']');
    if (close == std::string_view::npos)
      throw std::invalid_argument("invalid dashboard_address '" + std::string(address) +
                                  "': missing ']'");
    host = address.substr(1, close - 1);
    if (close + 1 < address.size() && address[close + 1] == ':') port = address.substr(close + 2);
  } else if (const auto colon = address.rfind(':');
             colon != std::string_view::npos && address.find(':') == colon) {
    host = address.substr(0, colon);  // exactly one colon: host:port (more: a bare IPv6 host)
    port = address.substr(colon + 1);
  }
  out.host = host.empty() ? "127.0.0.1" : std::string(host);
  if (!port.empty()) {
    int value = -1;
    auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value < 0 || value > 65535)
      throw std::invalid_argument("invalid dashboard_address '" + std::string(address) +
                                  "': port must be 0..65535");
    out.port = value;
  }
  return out;
}

bool is_loopback(std::string_view host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr v4{};
  const std::string text(host);
  return inet_pton(AF_INET, text.c_str(), &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}

bool is_wildcard(std::string_view host) {
  return host == "0.0.0.0" || host == "::" || host == "*";
}

std::string host_for_url(std::string_view host) {
  if (is_wildcard(host)) {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) == 0 && name[0]) return name;
    return "localhost";
  }
  std::string out(host);
  if (host.find(':') != std::string_view::npos) out.insert(0, 1, '[').push_back(']');
  return out;
}

bool is_loopback_host_header(std::string_view header, std::string_view bound_host) {
  // Split "name[:port]"; an IPv6 name is bracketed, so its colons are inside the brackets.
  std::string_view name = header, port;
  const auto colon = header.rfind(':');
  const auto bracket = header.rfind(']');
  if (colon != std::string_view::npos && (bracket == std::string_view::npos || colon > bracket)) {
    name = header.substr(0, colon);
    port = header.substr(colon + 1);
    if (port.empty() || port.size() > 5 ||
        !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }))
      return false;
  }
  auto same = [&](std::string_view known) {
    return std::equal(name.begin(), name.end(), known.begin(), known.end(), [](char a, char b) {
      return std::tolower(static_cast<unsigned char>(a)) ==
             std::tolower(static_cast<unsigned char>(b));
    });
  };
  const std::string bound = host_for_url(bound_host);
  const std::array<std::string_view, 4> loopback_names = {"localhost", "127.0.0.1", "[::1]", bound};
  return !name.empty() && std::any_of(loopback_names.begin(), loopback_names.end(), same);
}

}  // namespace tessera::dashboard
