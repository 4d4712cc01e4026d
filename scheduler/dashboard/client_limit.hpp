#pragma once
// Open connections per client address: one client (a script, a slowloris) cannot take every
// server thread, so /health and other clients are still answered.

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

namespace tessera::dashboard {

class ConnectionsPerClient {
 public:
  /// At most `limit` connections open per client; 0 for no limit.
  explicit ConnectionsPerClient(std::size_t limit) : limit_(limit) {}

  /// A connection's place, given back when it is destroyed; false when the client had no room.
  class Slot {
   public:
    Slot() = default;
    Slot(Slot&& other) noexcept : owner_(other.owner_), client_(std::move(other.client_)) {
      other.owner_ = nullptr;
    }
    Slot& operator=(Slot&&) = delete;
    ~Slot() {
      if (owner_) owner_->release(client_);
    }
    explicit operator bool() const noexcept { return owner_ != nullptr; }

   private:
    friend class ConnectionsPerClient;
    Slot(ConnectionsPerClient* owner, std::string client)
        : owner_(owner), client_(std::move(client)) {}
    ConnectionsPerClient* owner_ = nullptr;
    std::string client_;
  };

  /// Takes a place for one more connection from `client`, if it has fewer than the limit open.
  Slot admit(const std::string& client) {
    std::lock_guard lock(mutex_);
    std::size_t& open = open_[client];
    if (limit_ != 0 && open >= limit_) return {};
    ++open;
    return Slot(this, client);
  }

  std::size_t limit() const noexcept { return limit_; }

 private:
  void release(const std::string& client) {
    std::lock_guard lock(mutex_);
    const auto it = open_.find(client);
    if (it != open_.end() && --it->second == 0) open_.erase(it);
  }

  const std::size_t limit_;
  std::mutex mutex_;
  std::map<std::string, std::size_t> open_;  // only clients with a connection open
};

}  // namespace tessera::dashboard
