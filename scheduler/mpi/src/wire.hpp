#pragma once
// The messages ranks exchange: a task's value or its error, for one run. A 64-byte header (run,
// task, kind) keeps an array chunk's data as aligned in the message as it was encoded.

#include <cstddef>
#include <cstdint>
#include <exception>
#include <memory>
#include <vector>

#include "tessera/detail/value_codec.hpp"
#include "tessera/executor.hpp"
#include "tessera/value.hpp"

namespace tessera::detail {

enum class MessageKind : std::uint8_t { value = 1, error = 2 };

struct MessageHeader {
  std::uint64_t run = 0;
  std::uint32_t task = 0;  ///< index in the whole graph (the same on every rank)
  MessageKind kind = MessageKind::value;
};
inline constexpr std::size_t kHeaderBytes = 64;

/// A message to send: `head`, then (for a large array chunk) its data from the chunk's own memory.
/// The receiver gets them as one contiguous message.
struct Message {
  std::vector<std::byte> head;
  BorrowedBytes tail;
  std::size_t size() const noexcept { return head.size() + tail.size; }
};

/// Array chunks at least this large are sent from their own memory, not copied into the message.
inline constexpr std::size_t kBorrowedChunkBytes = 64 * 1024;

/// Task `task`'s value as a message. Throws std::invalid_argument when it cannot cross ranks.
Message value_message(std::uint64_t run, std::uint32_t task, const Value& value);
/// Task `task`'s failure as a message: a TaskError keeps its key, worker and message.
Message error_message(std::uint64_t run, std::uint32_t task, const std::exception_ptr& error);

/// A rank's workers with what they are doing, as other ranks' reports carry them (no live
/// readings like cpu_percent: the receiver shows what was sent). A report may carry more after
/// them (ReportHooks): reading leaves `in` there.
std::vector<std::byte> workers_report(const std::vector<WorkerInfo>& workers);
std::vector<WorkerInfo> read_workers_report(ByteReader& in);

/// The exchange watchdog's question to a rank that owes values of run `run`, and the answer:
/// how far that rank is with the run, and the last run it opened.
enum class RunProgress : std::uint8_t { running = 1, not_started = 2, finished = 3 };
struct RunStatus {
  std::uint64_t run = 0;
  RunProgress progress = RunProgress::running;
  std::uint64_t last_opened = 0;
};
std::vector<std::byte> run_query(std::uint64_t run);
std::uint64_t read_run_query(const std::byte* data, std::size_t size);
std::vector<std::byte> run_status(const RunStatus& status);
/// Throws std::invalid_argument for a malformed one.
RunStatus read_run_status(const std::byte* data, std::size_t size);

/// Bundles: small messages to one rank sent as one. Each entry is its length (8 bytes, padded to
/// 64) then the message, starting 64-byte aligned so array data inside stays aligned.
inline constexpr std::size_t kBundledMessageLimit = 64 * 1024;  ///< larger ones go alone
static_assert(kBundledMessageLimit <= kBorrowedChunkBytes + kHeaderBytes,
              "a bundled message never has borrowed bytes");
inline constexpr std::size_t kBundleBytes = 1 << 20;  ///< a bundle is sent past this
/// Appends a message without borrowed bytes (small ones are never large chunks).
void append_to_bundle(std::vector<std::byte>& bundle, const Message& message);
/// Calls `each(data, size)` for every message of a bundle; throws std::invalid_argument for a
/// malformed one.
template <class Each>
void for_each_in_bundle(const std::byte* data, std::size_t size, Each&& each);

/// The header of a received message; throws std::invalid_argument for one too short.
MessageHeader read_header(const std::byte* data, std::size_t size);
/// The value of a value message (pointing into `owner`'s buffer where it can).
Value read_value(const std::byte* data, std::size_t size, std::shared_ptr<void> owner);
/// The error of an error message, as the rank that raised it raised it.
std::exception_ptr read_error(const std::byte* data, std::size_t size);

std::size_t bundle_entry(const std::byte* data, std::size_t size, std::size_t offset,
                         std::size_t& length);

template <class Each>
void for_each_in_bundle(const std::byte* data, std::size_t size, Each&& each) {
  std::size_t offset = 0;
  while (offset < size) {
    std::size_t length = 0;
    const std::size_t at = bundle_entry(data, size, offset, length);
    each(data + at, length);
    offset = (at + length + 63) / 64 * 64;
  }
}

}  // namespace tessera::detail
