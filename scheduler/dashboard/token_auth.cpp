#include "token_auth.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <random>

namespace tessera::dashboard {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or empty.
std::string_view cookie_value(std::string_view header, std::string_view name) {
  while (!header.empty()) {
    const auto semicolon = header.find(';');
    const std::string_view pair = trim(header.substr(0, semicolon));
    const auto equals = pair.find('=');
    if (equals != std::string_view::npos && trim(pair.substr(0, equals)) == name)
      return trim(pair.substr(equals + 1));
    if (semicolon == std::string_view::npos) break;
    header.remove_prefix(semicolon + 1);
  }
  return {};
}

}  // namespace

std::string make_token() {
  if (const char* fixed = std::getenv("TESSERA_DASHBOARD_TOKEN"); fixed && *fixed) return fixed;
  std::random_device device;  // the kernel's CSPRNG on Linux
  std::string token;
  for (int i = 0; i < 6; ++i) token += fmt::format("{:08x}", device());
  return token;
}

TokenAuth::TokenAuth(std::string token, int port)
    : token_(std::move(token)), cookie_name_(fmt::format("tessera-dashboard-{}", port)) {}

bool TokenAuth::matches(std::string_view candidate) const {
  // Constant time in the token's content, so response timing does not leak a prefix.
  if (candidate.size() != token_.size()) return false;
  unsigned char difference = 0;
  for (std::size_t i = 0; i < token_.size(); ++i)
    difference |= static_cast<unsigned char>(candidate[i] ^ token_[i]);
  return difference == 0;
}

bool TokenAuth::admit(const HttpRequest& request, HttpResponse& response) const {
  if (token_.empty()) return true;
  if (request.has_header("Cookie") && matches(cookie_value(request.header("Cookie"), cookie_name_)))
    return true;
  bool admitted = false;
  if (request.has_header("Authorization")) {
    const std::string header = request.header("Authorization");
    for (std::string_view scheme : {"token ", "Token ", "Bearer ", "bearer "})
      if (std::string_view(header).starts_with(scheme))
        admitted = matches(trim(std::string_view(header).substr(scheme.size())));
  }
  if (!admitted && request.has_param("token")) admitted = matches(request.param("token"));
  // The pages load their scripts and data by relative links without the token: the cookie
  // carries it from the first page on.
  if (admitted)
    response.set_header("Set-Cookie", fmt::format("{}={}; Path=/; HttpOnly; SameSite=Strict",
                                                  cookie_name_, token_));
  return admitted;
}

}  // namespace tessera::dashboard
