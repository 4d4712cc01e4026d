#pragma once
// Access control for a dashboard bound to a non-loopback address, as Jupyter does it: a random
// token in the printed link; a request is let in when it carries the token as `?token=`, as
// `Authorization: token <token>` (or Bearer), or as the cookie set on its first valid request.

#include <string>
#include <string_view>

#include "http_types.hpp"

namespace tessera::dashboard {

/// A fresh random token (48 hex digits), or $TESSERA_DASHBOARD_TOKEN when that is set.
std::string make_token();

class TokenAuth {
 public:
  /// An empty token lets every request in (loopback dashboards).
  TokenAuth(std::string token, int port);

  /// True if `request` may be served; sets the cookie on `response` when the token came another
  /// way.
  bool admit(const HttpRequest& request, HttpResponse& response) const;
  bool required() const noexcept { return !token_.empty(); }
  const std::string& token() const noexcept { return token_; }

 private:
  bool matches(std::string_view candidate) const;
  std::string token_;
  std::string cookie_name_;  // per port, so two dashboards on one host keep their own cookies
};

}  // namespace tessera::dashboard
