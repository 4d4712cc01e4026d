#pragma once
// HTTP requests and responses as the dashboard's handlers see them: plain values with no HTTP
// library behind them. The server transport (http_module.hpp) converts to and from these, so
// everything that decides what a request gets is ordinary code in the scheduler library.

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace tessera::dashboard {

/// Header names compare without regard to case (RFC 9110).
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](char x, char y) {
      return std::tolower(static_cast<unsigned char>(x)) <
             std::tolower(static_cast<unsigned char>(y));
    });
  }
  using is_transparent = void;
};

struct HttpRequest {
  std::string method = "GET";                                   ///< "GET", "HEAD", "POST", ...
  std::string path = "/";                                       ///< decoded, without the query
  std::multimap<std::string, std::string, std::less<>> params;  ///< the decoded query
  std::multimap<std::string, std::string, CaseInsensitiveLess> headers;

  bool has_param(std::string_view name) const { return params.find(name) != params.end(); }
  /// The first value of query parameter `name`, or "".
  std::string param(std::string_view name) const {
    const auto it = params.find(name);
    return it == params.end() ? std::string() : it->second;
  }
  bool has_header(std::string_view name) const { return headers.find(name) != headers.end(); }
  /// The first value of header `name`, or "".
  std::string header(std::string_view name) const {
    const auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
  }
};

/// What a live stream's step function tells the server to do next.
enum class StreamStep {
  next,    ///< call the step function again
  finish,  ///< end the response cleanly
  abort,   ///< drop the connection (the client went away)
};

/// Writes bytes to a streaming response; false once the client is gone.
using StreamWriter = std::function<bool(std::string_view)>;

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// Set for a response streamed in chunks (Server-Sent Events): the server calls it until it
  /// returns something other than StreamStep::next, then calls `stream_closed` once.
  std::function<StreamStep(const StreamWriter&)> stream;
  std::function<void()> stream_closed;

  void set_content(std::string text, std::string_view type) {
    body = std::move(text);
    content_type = type;
  }
  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
  /// The first value of header `name`, or "".
  std::string header(std::string_view name) const {
    for (const auto& [key, value] : headers)
      if (!CaseInsensitiveLess{}(key, name) && !CaseInsensitiveLess{}(name, key)) return value;
    return {};
  }
};

/// Answers one request; called on the server's threads, concurrently.
using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

}  // namespace tessera::dashboard
