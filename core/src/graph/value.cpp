#include "tessera/value.hpp"

#include <fmt/format.h>

#include "tessera/detail/function_name.hpp"
#include "tessera/device_array.hpp"

namespace tessera {

std::uint64_t Value::nbytes() const noexcept {
  struct Bytes {
    std::uint64_t operator()(std::monostate) const { return 0; }
    std::uint64_t operator()(const HostChunk& chunk) const { return chunk ? chunk->nbytes() : 0; }
    std::uint64_t operator()(const DeviceChunk& chunk) const { return chunk ? chunk->nbytes() : 0; }
    // Its store counts it (and spills it); counting it here too would count it twice.
    std::uint64_t operator()(const Stored&) const { return 0; }
    std::uint64_t operator()(const Other& other) const { return other.nbytes; }
  };
  return std::visit(Bytes{}, kind_);
}

std::string Value::type_name() const {
  struct Name {
    std::string operator()(std::monostate) const { return "empty"; }
    std::string operator()(const HostChunk&) const { return detail::type_name(typeid(HostChunk)); }
    std::string operator()(const DeviceChunk&) const {
      return detail::type_name(typeid(DeviceChunk));
    }
    std::string operator()(const Stored&) const { return detail::type_name(typeid(Stored)); }
    std::string operator()(const Other& other) const {
      return detail::type_name(other.object.type());
    }
  };
  return std::visit(Name{}, kind_);
}

void Value::throw_wrong_type(const std::type_info& wanted) const {
  throw ValueTypeError(fmt::format("task result read as {} but it holds {}",
                                   detail::type_name(wanted), type_name()));
}

}  // namespace tessera
