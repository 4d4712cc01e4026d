#include "httplib_transport.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "socket_stream.hpp"

namespace tessera::dashboard {
namespace {

void text(httplib::Response& response, int status, const std::string& body) {
  response.status = status;
  response.set_content(body, "text/plain; charset=utf-8");
}

HttpRequest convert(const httplib::Request& from) {
  HttpRequest to;
  to.method = from.method;
  to.path = from.path;
  for (const auto& [name, value] : from.params) to.params.emplace(name, value);
  for (const auto& [name, value] : from.headers) to.headers.emplace(name, value);
  return to;
}

void convert(HttpResponse&& from, httplib::Response& to) {
  to.status = from.status;
  for (auto& [name, value] : from.headers) to.set_header(name.c_str(), value);
  if (!from.stream) {
    if (!from.body.empty() || !from.content_type.empty())
      to.set_content(std::move(from.body), from.content_type.c_str());
    return;
  }
  to.set_chunked_content_provider(
      from.content_type,
      [step = std::move(from.stream)](std::size_t, httplib::DataSink& sink) {
        const StreamWriter write = [&sink](std::string_view bytes) {
          return sink.write(bytes.data(), bytes.size());
        };
        switch (step(write)) {
          case StreamStep::next:
            return true;
          case StreamStep::finish:
            sink.done();
            return true;
          case StreamStep::abort:
            break;
        }
        return false;
      },
      [closed = std::move(from.stream_closed)](bool) {
        if (closed) closed();
      });
}

// Answers a connection over the client's limit without reading it, and closes it.
void refuse_busy(int fd, std::size_t limit) {
  const std::string body =
      "503 service unavailable: too many connections from this client (at most " +
      std::to_string(limit) + " at once)\n";
  const std::string response =
      "HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Retry-After: 1\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  (void)::send(fd, response.data(), response.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  // Closing with unread bytes makes the kernel reset the connection, which can discard the
  // answer before the client reads it: take what has arrived first.
  char discard[4096];
  for (int reads = 0; reads < 16; ++reads)
    if (::recv(fd, discard, sizeof discard, MSG_DONTWAIT) <= 0) break;
}

// How long a connection over its client's limit may take to send its request head and still be
// answered: long enough for a client that connects and then writes, short enough that the
// connections of a client holding unfinished requests keep threads only briefly.
constexpr auto kOverLimitGrace = std::chrono::milliseconds(100);

}  // namespace

HttplibTransport::HttplibTransport(HttpServerConfig config)
    : handler_(std::move(config.handler)),
      request_timeout_(std::chrono::seconds(config.request_timeout_seconds)),
      clients_(config.max_connections_per_client) {
  const std::size_t threads = config.threads;
  new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  set_keep_alive_timeout(config.keep_alive_seconds);
  set_payload_max_length(config.max_request_body);
  httplib::Headers headers;
  for (auto& [name, value] : config.default_headers) headers.emplace(name, value);
  set_default_headers(std::move(headers));

  // Every method goes to the handler, which refuses what it does not serve.
  const auto dispatch = [this](const httplib::Request& request, httplib::Response& response) {
    convert(handler_(convert(request)), response);
  };
  Get(".*", dispatch);  // HEAD too
  Post(".*", dispatch);
  Put(".*", dispatch);
  Patch(".*", dispatch);
  Delete(".*", dispatch);
  Options(".*", dispatch);
  // Requests httplib rejects itself (malformed, too large) get a plain-text reason.
  set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& response) {
        if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        text(response, response.status, std::to_string(response.status) + " error\n");
        return httplib::Server::HandlerResponse::Handled;
      }));
  set_exception_handler(
      [](const httplib::Request&, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown error";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        text(response, 500, "500 internal error: " + what + "\n");
      });
}

void HttplibTransport::serve(httplib::Stream& stream, const std::function<bool()>& next_request,
                             bool keep_alive) {
  for (std::size_t left = keep_alive ? keep_alive_max_count_ : 1; left > 0; --left) {
    if (!next_request()) return;
    bool closed = false;
    if (!process_request(stream, /*close_connection=*/left == 1, closed, nullptr) || closed) return;
  }
}

bool HttplibTransport::process_and_close_socket(socket_t sock) {
  bool served = false;
  const ConnectionsPerClient::Slot slot = clients_.admit(peer_address(sock));
  if (slot || request_head_arrives(sock, kOverLimitGrace)) {
    DeadlineSocketStream stream(sock, request_timeout_, std::chrono::seconds(write_timeout_sec_));
    // Between requests, wait up to the keep-alive timeout, a little at a time so that stop()
    // (which closes the listening socket) is not kept waiting.
    const auto keep_alive = std::chrono::seconds(keep_alive_timeout_sec_);
    serve(
        stream,
        [&] {
          if (stream.timed_out()) return false;
          const auto until = std::chrono::steady_clock::now() + keep_alive;
          while (svr_sock_ != INVALID_SOCKET && std::chrono::steady_clock::now() < until) {
            if (wait_for(sock, POLLIN, std::chrono::milliseconds(50))) {
              stream.start_request();
              return true;
            }
          }
          return false;
        },
        /*keep_alive=*/static_cast<bool>(slot));
    served = true;
  } else {
    refuse_busy(sock, clients_.limit());
  }
  ::shutdown(sock, SHUT_RDWR);
  ::close(sock);
  return served;
}

}  // namespace tessera::dashboard
