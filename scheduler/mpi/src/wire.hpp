#pragma once
// The messages ranks exchange: a task's value or its error, for one run. A 64-byte header (run,
// task, kind) keeps an array chunk's data as aligned in the message as it was encoded.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "tessera/value.hpp"

namespace tessera::detail {

enum class MessageKind : std::uint8_t { value = 1, error = 2 };

struct MessageHeader {
  std::uint64_t run = 0;
  std::uint32_t task = 0;  ///< index in the whole graph (the same on every rank)
  MessageKind kind = MessageKind::value;
};
inline constexpr std::size_t kHeaderBytes = 64;

/// Task `task`'s value as a message. Throws std::invalid_argument when it cannot cross ranks.
std::vector<std::byte> value_message(std::uint64_t run, std::uint32_t task, const Value& value);
/// Task `task`'s failure as a message: a TaskError keeps its key, worker and message.
std::vector<std::byte> error_message(std::uint64_t run, std::uint32_t task,
                                     const std::exception_ptr& error);

/// The header of a received message; throws std::invalid_argument for one too short.
MessageHeader read_header(const std::byte* data, std::size_t size);
/// The value of a value message (pointing into `owner`'s buffer where it can).
Value read_value(const std::byte* data, std::size_t size, std::shared_ptr<void> owner);
/// The error of an error message, as the rank that raised it raised it.
std::exception_ptr read_error(const std::byte* data, std::size_t size);

}  // namespace tessera::detail
