// Fuzzes the dashboard's request handling from the raw bytes of a connection: cpp-httplib's
// parsing, the conversion to HttpRequest, the Host check, the token, the method and every route
// (paths, queries, headers), through the same transport and handler a live dashboard uses. The
// first input byte picks a loopback dashboard (no token) or one that requires a token.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>

#include "answer_request.hpp"
#include "dashboard_state.hpp"
#include "httplib_transport.hpp"
#include "scheduling/scheduler.hpp"
#include "token_auth.hpp"

namespace {

using namespace tessera;
using namespace tessera::dashboard;

// A connection's bytes: reads come from the input, writes are checked and dropped.
class MemoryStream final : public httplib::Stream {
 public:
  explicit MemoryStream(std::string_view input) : input_(input) {}
  bool is_readable() const override { return true; }
  bool is_writable() const override { return true; }
  ssize_t read(char* ptr, size_t size) override {
    const std::size_t n = std::min(size, input_.size());
    std::memcpy(ptr, input_.data(), n);
    input_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  ssize_t write(const char*, size_t size) override { return static_cast<ssize_t>(size); }
  void get_remote_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 40000;
  }
  void get_local_ip_and_port(std::string& ip, int& port) const override {
    ip = "127.0.0.1";
    port = 8787;
  }
  socket_t socket() const override { return -1; }
  bool exhausted() const { return input_.empty(); }

 private:
  std::string_view input_;
};

// One idle single-worker cluster's view, shared by every input. Stopped, so that a live event
// stream ends after its first message instead of waiting for events.
DashboardState& idle_state() {
  static DashboardState state;
  static const bool ready = [] {
    state.view.name = "fuzz";
    state.view.scheduler = std::make_shared<detail::Scheduler>(
        std::vector<WorkerInfo>{{.name = "fuzz-worker"}}, "fuzz");
    state.log = std::make_shared<EventLog>("fuzz");
    state.facts.host = "127.0.0.1";
    state.facts.port = 8787;
    state.stop();
    return true;
  }();
  (void)ready;
  return state;
}

HttpServerConfig config_for(const TokenAuth& auth) {
  return {.handler = [&auth](const HttpRequest& request) {
    return answer_request(idle_state(), auth, request);
  }};
}

HttplibTransport& transport(bool with_token) {
  static const TokenAuth open("", 8787), guarded(std::string(48, 'a'), 8787);
  static HttplibTransport without(config_for(open)), with(config_for(guarded));
  return with_token ? with : without;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  MemoryStream stream(std::string_view(reinterpret_cast<const char*>(data) + 1, size - 1));
  transport(data[0] & 1).serve(stream, [&] { return !stream.exhausted(); });
  return 0;
}
