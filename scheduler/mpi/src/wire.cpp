#include "wire.hpp"

#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>

#include "tessera/detail/value_codec.hpp"
#include "tessera/errors.hpp"

namespace tessera::detail {
namespace {

enum class ErrorKind : std::uint8_t { task = 1, closed = 2, other = 3, timeout = 4 };

std::vector<std::byte> with_header(std::uint64_t run, std::uint32_t task, MessageKind kind) {
  std::vector<std::byte> message(kHeaderBytes);
  std::memcpy(message.data(), &run, sizeof run);
  std::memcpy(message.data() + 8, &task, sizeof task);
  std::memcpy(message.data() + 12, &kind, sizeof kind);
  return message;
}

}  // namespace

Message value_message(std::uint64_t run, std::uint32_t task, const Value& value) {
  Message message{with_header(run, task, MessageKind::value), {}};
  if (value.nbytes() < kBorrowedChunkBytes)
    message.head.reserve(kHeaderBytes + 128 + value.nbytes());
  message.tail = encode_value(value, message.head, kBorrowedChunkBytes);
  return message;
}

Message error_message(std::uint64_t run, std::uint32_t task, const std::exception_ptr& error) {
  Message message{with_header(run, task, MessageKind::error), {}};
  ByteWriter out(message.head);
  auto put = [&out](const std::string& text) { Codec<std::string>::encode(text, out); };
  try {
    std::rethrow_exception(error);
  } catch (const TaskError& e) {
    out.put(ErrorKind::task);
    put(e.key());
    put(e.worker());
    put(e.original_message());
  } catch (const ClosedError& e) {
    out.put(ErrorKind::closed);
    put(e.what());
  } catch (const TimeoutError& e) {
    out.put(ErrorKind::timeout);
    put(e.what());
  } catch (const std::exception& e) {
    out.put(ErrorKind::other);
    put(e.what());
  } catch (...) {
    out.put(ErrorKind::other);
    put("unknown exception");
  }
  return message;
}

void append_to_bundle(std::vector<std::byte>& bundle, const Message& message) {
  const std::uint64_t length = message.head.size();
  const std::size_t at = bundle.size();  // a multiple of 64
  bundle.resize(at + 64 + (message.head.size() + 63) / 64 * 64);
  std::memcpy(bundle.data() + at, &length, sizeof length);
  std::memcpy(bundle.data() + at + 64, message.head.data(), message.head.size());
}

std::size_t bundle_entry(const std::byte* data, std::size_t size, std::size_t offset,
                         std::size_t& length) {
  std::uint64_t n = 0;
  if (size - offset < 64 + kHeaderBytes) throw std::invalid_argument("truncated bundle");
  std::memcpy(&n, data + offset, sizeof n);
  if (n > size - offset - 64) throw std::invalid_argument("bundle entry longer than its bundle");
  length = static_cast<std::size_t>(n);
  return offset + 64;
}

namespace {
using Report =
    std::tuple<std::string, std::uint8_t, int, int, std::uint64_t, std::uint64_t, std::uint64_t,
               std::uint64_t, std::uint64_t, std::uint64_t, std::int64_t, std::uint64_t,
               std::uint64_t, std::uint64_t, double, std::uint8_t, std::string>;
}  // namespace

std::vector<std::byte> workers_report(const std::vector<WorkerInfo>& workers) {
  std::vector<Report> reports;
  for (const WorkerInfo& w : workers)
    reports.emplace_back(w.name, static_cast<std::uint8_t>(backend_index(w.backend)), w.threads,
                         w.device, w.memory_limit, w.queued, w.executing, w.finished, w.failed,
                         w.stolen, w.memory, w.stored, w.spilled, w.spilled_total, w.cpu_seconds,
                         w.paused, w.failure);
  std::vector<std::byte> bytes;
  ByteWriter out(bytes);
  Codec<std::vector<Report>>::encode(reports, out);
  return bytes;
}

std::vector<WorkerInfo> read_workers_report(ByteReader& in) {
  std::vector<WorkerInfo> workers;
  for (auto& r : Codec<std::vector<Report>>::decode(in)) {
    WorkerInfo& w = workers.emplace_back();
    std::uint8_t backend = 0, paused = 0;
    std::tie(w.name, backend, w.threads, w.device, w.memory_limit, w.queued, w.executing,
             w.finished, w.failed, w.stolen, w.memory, w.stored, w.spilled, w.spilled_total,
             w.cpu_seconds, paused, w.failure) = std::move(r);
    w.backend = static_cast<Backend>(backend);
    w.paused = paused != 0;
  }
  return workers;
}

std::vector<std::byte> run_query(std::uint64_t run) {
  std::vector<std::byte> bytes(sizeof run);
  std::memcpy(bytes.data(), &run, sizeof run);
  return bytes;
}

std::uint64_t read_run_query(const std::byte* data, std::size_t size) {
  return ByteReader(data, size).get<std::uint64_t>();
}

std::vector<std::byte> run_status(const RunStatus& status) {
  std::vector<std::byte> bytes;
  ByteWriter out(bytes);
  out.put(status.run);
  out.put(status.progress);
  out.put(status.last_opened);
  return bytes;
}

RunStatus read_run_status(const std::byte* data, std::size_t size) {
  ByteReader in(data, size);
  RunStatus status;
  status.run = in.get<std::uint64_t>();
  status.progress = in.get<RunProgress>();
  status.last_opened = in.get<std::uint64_t>();
  if (status.progress < RunProgress::running || status.progress > RunProgress::finished)
    throw std::invalid_argument("malformed run status");
  return status;
}

MessageHeader read_header(const std::byte* data, std::size_t size) {
  if (size < kHeaderBytes)
    throw std::invalid_argument("message of " + std::to_string(size) +
                                " bytes is shorter than its header");
  MessageHeader header;
  std::memcpy(&header.run, data, sizeof header.run);
  std::memcpy(&header.task, data + 8, sizeof header.task);
  std::memcpy(&header.kind, data + 12, sizeof header.kind);
  return header;
}

Value read_value(const std::byte* data, std::size_t size, std::shared_ptr<void> owner) {
  return decode_value(data + kHeaderBytes, size - kHeaderBytes, std::move(owner));
}

std::exception_ptr read_error(const std::byte* data, std::size_t size) {
  ByteReader in(data + kHeaderBytes, size - kHeaderBytes);
  auto get = [&in] { return Codec<std::string>::decode(in); };
  switch (in.get<ErrorKind>()) {
    case ErrorKind::task: {
      std::string key = get(), worker = get(), message = get();
      return std::make_exception_ptr(
          TaskError(std::move(key), std::move(worker), std::move(message), nullptr));
    }
    case ErrorKind::closed:
      return std::make_exception_ptr(ClosedError(get()));
    case ErrorKind::timeout:
      return std::make_exception_ptr(TimeoutError(get()));
    case ErrorKind::other:
      return std::make_exception_ptr(std::runtime_error(get()));
  }
  return std::make_exception_ptr(std::runtime_error("malformed error message"));
}

}  // namespace tessera::detail
