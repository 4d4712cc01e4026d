#pragma once
// One dashboard connection as cpp-httplib reads and writes it, with a deadline on each request:
// httplib's own socket stream times out each read separately, so a client sending one header
// byte every few seconds (slowloris) would hold a server thread for as long as it likes.

#include <httplib.h>

#include <chrono>
#include <string>

namespace tessera::dashboard {

class DeadlineSocketStream final : public httplib::Stream {
 public:
  using Clock = std::chrono::steady_clock;

  DeadlineSocketStream(int fd, std::chrono::milliseconds request_timeout,
                       std::chrono::milliseconds write_timeout)
      : fd_(fd), request_timeout_(request_timeout), write_timeout_(write_timeout) {}

  /// A request starts arriving: all of it (line, headers, body) must be read within the timeout.
  void start_request() { read_deadline_ = Clock::now() + request_timeout_; }
  /// True once a read ran into the deadline: the connection should close, or the rest of the
  /// late request would read as the next one.
  bool timed_out() const noexcept { return timed_out_; }

  bool is_readable() const override;
  bool is_writable() const override;
  ssize_t read(char* ptr, size_t size) override;
  ssize_t write(const char* ptr, size_t size) override;
  void get_remote_ip_and_port(std::string& ip, int& port) const override;
  void get_local_ip_and_port(std::string& ip, int& port) const override;
  socket_t socket() const override { return fd_; }

 private:
  int fd_;
  std::chrono::milliseconds request_timeout_, write_timeout_;
  Clock::time_point read_deadline_ = Clock::now();
  mutable bool timed_out_ = false;
};

/// Waits until `fd` has `events` (POLLIN, POLLOUT) or `timeout` passes; false on timeout or error.
bool wait_for(int fd, short events, std::chrono::milliseconds timeout);

/// True when a whole request head (line and headers, up to the blank line) is waiting on `fd`
/// or arrives within `within`; reads nothing.
bool request_head_arrives(int fd, std::chrono::milliseconds within);

/// The peer's address ("127.0.0.1", "::1") and port, or "" and -1.
std::string peer_address(int fd, int* port = nullptr);

}  // namespace tessera::dashboard
