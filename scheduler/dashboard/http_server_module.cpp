// The dashboard's HTTP transport on cpp-httplib, built as a module (see http_module.hpp). It
// converts requests and responses and does nothing else: what each request gets is decided by
// the handler, in the scheduler library.
#include <httplib.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "http_module.hpp"

namespace tessera::dashboard {
namespace {

// cpp-httplib listens with a backlog of 5; many clients connecting at once need more.
constexpr int listen_backlog = 128;

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

class HttplibServer final : public HttpServer {
 public:
  explicit HttplibServer(HttpServerConfig config) : handler_(std::move(config.handler)) {
    const std::size_t threads = config.threads;
    server_.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
    // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let two dashboards
    // share a port silently instead of the second one moving to a free port.
    server_.set_socket_options([this](int fd) {
      int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
      socket_ = fd;
    });
    server_.set_keep_alive_timeout(config.keep_alive_seconds);
    server_.set_payload_max_length(config.max_request_body);
    httplib::Headers headers;
    for (auto& [name, value] : config.default_headers) headers.emplace(name, value);
    server_.set_default_headers(std::move(headers));

    // Every method goes to the handler, which refuses what it does not serve.
    const auto dispatch = [this](const httplib::Request& request, httplib::Response& response) {
      convert(handler_(convert(request)), response);
    };
    server_.Get(".*", dispatch);  // HEAD too
    server_.Post(".*", dispatch);
    server_.Put(".*", dispatch);
    server_.Patch(".*", dispatch);
    server_.Delete(".*", dispatch);
    server_.Options(".*", dispatch);
    // Requests httplib rejects itself (malformed, too large) get a plain-text reason.
    server_.set_error_handler(httplib::Server::HandlerWithResponse(
        [](const httplib::Request&, httplib::Response& response) {
          if (!response.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
          text(response, response.status, std::to_string(response.status) + " error\n");
          return httplib::Server::HandlerResponse::Handled;
        }));
    server_.set_exception_handler(
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

  ~HttplibServer() override { stop(); }

  int bind(const std::string& host, int port) override {
    const int bound =
        port == 0 ? server_.bind_to_any_port(host) : (server_.bind_to_port(host, port) ? port : -1);
    if (bound <= 0) return -1;
    ::listen(socket_, listen_backlog);  // listen() again on a listening socket resizes its queue
    return bound;
  }

  void start() override {
    listener_ = std::thread([this] {
      server_.listen_after_bind();
      listener_done_ = true;
    });
    // httplib's stop() does nothing before the listener runs: wait, so stop() cannot miss it.
    while (!server_.is_running() && !listener_done_)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }

  void stop() override {
    if (stopped_.exchange(true)) return;
    server_.stop();
    if (listener_.joinable()) listener_.join();
  }

 private:
  HttpHandler handler_;
  httplib::Server server_;
  std::thread listener_;
  std::atomic<bool> listener_done_{false};
  std::atomic<bool> stopped_{false};
  int socket_ = -1;  // the listening socket, as the socket-options hook last saw it
};

}  // namespace
}  // namespace tessera::dashboard

extern "C" __attribute__((visibility("default"))) tessera::dashboard::HttpServer*
tessera_dashboard_make_http_server(int abi, tessera::dashboard::HttpServerConfig config) {
  if (abi != tessera::dashboard::http_module_abi) return nullptr;
  return new tessera::dashboard::HttplibServer(std::move(config));
}
