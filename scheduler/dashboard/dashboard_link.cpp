#include "dashboard_link.hpp"

#include <cstdlib>

namespace tessera::dashboard {

std::string link_template(const std::string& option) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("TESSERA_DASHBOARD_LINK"); env && *env) return env;
  return std::string(kDefaultLinkTemplate);
}

std::string expand_link(std::string_view pattern, std::string_view host, int port,
                        std::string_view token) {
  std::string out;
  bool used_token = false;
  for (std::size_t i = 0; i < pattern.size();) {
    const auto close = pattern.find('}', i);
    if (pattern[i] != '{' || close == std::string_view::npos) {
      out.push_back(pattern[i++]);
      continue;
    }
    const std::string_view name = pattern.substr(i + 1, close - i - 1);
    if (name == "host") {
      out.append(host);
    } else if (name == "port") {
      out.append(std::to_string(port));
    } else if (name == "scheme") {
      out.append("http");
    } else if (name == "token") {
      out.append(token);
      used_token = true;
    } else if (const char* env = std::getenv(std::string(name).c_str())) {
      out.append(env);
    }
    i = close + 1;
  }
  if (!token.empty() && !used_token) {
    out.append(out.find('?') == std::string::npos ? "?token=" : "&token=");
    out.append(token);
  }
  return out;
}

}  // namespace tessera::dashboard
