#include "socket_stream.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <string_view>
#include <thread>

namespace tessera::dashboard {
namespace {

std::string address_text(const sockaddr_storage& address, int* port) {
  char text[INET6_ADDRSTRLEN] = {};
  int found_port = -1;
  if (address.ss_family == AF_INET) {
    const auto& v4 = reinterpret_cast<const sockaddr_in&>(address);
    inet_ntop(AF_INET, &v4.sin_addr, text, sizeof text);
    found_port = ntohs(v4.sin_port);
  } else if (address.ss_family == AF_INET6) {
    const auto& v6 = reinterpret_cast<const sockaddr_in6&>(address);
    inet_ntop(AF_INET6, &v6.sin6_addr, text, sizeof text);
    found_port = ntohs(v6.sin6_port);
  }
  if (port) *port = found_port;
  return text;
}

}  // namespace

bool wait_for(int fd, short events, std::chrono::milliseconds timeout) {
  pollfd entry{.fd = fd, .events = events, .revents = 0};
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const int ready = ::poll(&entry, 1, static_cast<int>(std::max<long long>(left.count(), 0)));
    if (ready > 0) return (entry.revents & (events | POLLHUP | POLLERR)) != 0;
    if (ready == 0 || errno != EINTR) return false;
  }
}

bool request_head_arrives(int fd, std::chrono::milliseconds within) {
  constexpr std::size_t max_head = 8192;  // longer heads count as not arrived
  constexpr auto step = std::chrono::milliseconds(5);
  const auto until = std::chrono::steady_clock::now() + within;
  std::string buffer(max_head, '\0');
  for (;;) {
    // Peeked bytes stay readable, so poll() cannot wait for more: look again after a step.
    const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_PEEK | MSG_DONTWAIT);
    if (n > 0 && std::string_view(buffer.data(), static_cast<std::size_t>(n)).find("\r\n\r\n") !=
                     std::string_view::npos)
      return true;
    if (n == 0 || static_cast<std::size_t>(n) == max_head ||
        (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
        std::chrono::steady_clock::now() >= until)
      return false;
    std::this_thread::sleep_for(step);
  }
}

bool DeadlineSocketStream::is_readable() const {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(read_deadline_ - Clock::now());
  if (left.count() > 0 && wait_for(fd_, POLLIN, left)) return true;
  timed_out_ = true;
  return false;
}

bool DeadlineSocketStream::is_writable() const {
  return wait_for(fd_, POLLOUT, write_timeout_);
}

ssize_t DeadlineSocketStream::read(char* ptr, size_t size) {
  if (!is_readable()) return -1;
  ssize_t n = 0;
  do {
    n = ::recv(fd_, ptr, size, 0);
  } while (n < 0 && errno == EINTR);
  return n;
}

ssize_t DeadlineSocketStream::write(const char* ptr, size_t size) {
  if (!is_writable()) return -1;
  ssize_t n = 0;
  do {
    n = ::send(fd_, ptr, size, MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  return n;
}

std::string peer_address(int fd, int* port) {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    if (port) *port = -1;
    return {};
  }
  return address_text(address, port);
}

void DeadlineSocketStream::get_remote_ip_and_port(std::string& ip, int& port) const {
  ip = peer_address(fd_, &port);
}

void DeadlineSocketStream::get_local_ip_and_port(std::string& ip, int& port) const {
  sockaddr_storage address{};
  socklen_t length = sizeof address;
  if (::getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    ip.clear();
    port = -1;
    return;
  }
  ip = address_text(address, &port);
}

}  // namespace tessera::dashboard
