#include "tessera/detail/value_codec.hpp"

#include <fmt/format.h>

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

#include "tessera/detail/function_name.hpp"
#include "tessera/device_array.hpp"
#include "tessera/dtype.hpp"

namespace tessera {

const std::byte* ByteReader::take(std::size_t n) {
  if (n > size_ - position_)
    throw std::out_of_range(fmt::format(
        "encoded value truncated: {} bytes wanted at offset {} of {}", n, position_, size_));
  const std::byte* at = data_ + position_;
  position_ += n;
  return at;
}

namespace detail {
namespace {

enum class Kind : std::uint8_t {
  empty = 0,
  host_chunk = 1,
  null_host_chunk = 2,
  other = 3,
  remote_chunk = 4,  // a stored chunk another rank holds: its home and size, not its data
};

/// A persisted chunk held by another rank: tasks that read it run there (TaskNode::home), so
/// nothing loads it here.
class RemoteChunk final : public StoredChunk {
 public:
  RemoteChunk(int home, std::uint64_t nbytes) : home_(home), nbytes_(nbytes) {}
  std::shared_ptr<NDArray> load() override {
    throw std::logic_error(fmt::format(
        "a chunk of {} bytes held by rank {} was read on another rank: read it in a task", nbytes_,
        home_));
  }
  std::uint64_t nbytes() const noexcept override { return nbytes_; }
  int home() const noexcept override { return home_; }

 private:
  int home_;
  std::uint64_t nbytes_;
};
constexpr std::size_t kDataAlignment = 64;

struct Registry {
  std::mutex mutex;
  std::map<std::string, OtherCodec, std::less<>> by_name;
};
Registry& registry() {
  // Never destroyed: registrations run before main() in any order, lookups until the end.
  static auto* instance = new Registry;
  return *instance;
}

}  // namespace

bool register_other_codec(const std::type_info& type, OtherCodec codec) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  r.by_name.emplace(type.name(), codec);
  return true;
}

const OtherCodec* find_other_codec(std::string_view mangled_name) {
  Registry& r = registry();
  std::lock_guard lock(r.mutex);
  auto it = r.by_name.find(mangled_name);
  return it == r.by_name.end() ? nullptr : &it->second;
}

std::shared_ptr<std::byte> aligned_buffer(std::size_t size) {
  const std::size_t rounded =
      (std::max<std::size_t>(size, 1) + kDataAlignment - 1) / kDataAlignment * kDataAlignment;
  auto* data = static_cast<std::byte*>(std::aligned_alloc(kDataAlignment, rounded));
  if (!data) throw std::bad_alloc();
  return std::shared_ptr<std::byte>(data, [](std::byte* p) { std::free(p); });
}

void encode_value(const Value& value, std::vector<std::byte>& out) {
  encode_value(value, out, SIZE_MAX);
}

BorrowedBytes encode_value(const Value& value, std::vector<std::byte>& out,
                           std::size_t borrow_from) {
  ByteWriter writer(out);
  if (const Value::Stored* stored = value.stored_chunk(); stored && *stored) {
    if (const int home = (*stored)->home(); home >= 0) {  // it stays where it is
      writer.put(Kind::remote_chunk);
      writer.put<std::int32_t>(home);
      writer.put<std::uint64_t>((*stored)->nbytes());
      return {};
    }
    return encode_value(Value((*stored)->load()), out, borrow_from);
  }
  if (!value.has_value()) {
    writer.put(Kind::empty);
  } else if (const Value::HostChunk* chunk = value.host_chunk()) {
    if (!*chunk) {
      writer.put(Kind::null_host_chunk);
      return {};
    }
    const NDArray& array = **chunk;
    writer.put(Kind::host_chunk);
    writer.put(array.dtype());
    writer.put<std::uint32_t>(array.ndim());
    for (std::int64_t extent : array.shape()) writer.put(extent);
    writer.align(kDataAlignment);
    if (array.nbytes() >= borrow_from)  // sent from the chunk's own memory: no copy at all
      return {*chunk, static_cast<const std::byte*>(array.raw()), array.nbytes()};
    const std::size_t at = out.size();
    out.resize(at + array.nbytes());  // one copy, into the message itself
    if (array.nbytes()) std::memcpy(out.data() + at, array.raw(), array.nbytes());
  } else if (const Value::DeviceChunk* chunk = value.device_chunk()) {
    // Staged through host memory (Debian's Open MPI is not CUDA-aware): one copy from the
    // device, then sent as a host chunk from that copy. The receiver gets a host chunk; a GPU
    // task there uploads it as it does any host input.
    if (!*chunk) {
      writer.put(Kind::null_host_chunk);
      return {};
    }
    return encode_value(Value((*chunk)->to_host()), out, borrow_from);
  } else {
    const std::type_info& type = *value.other_type();
    const OtherCodec* codec = find_other_codec(type.name());
    if (!codec)
      throw std::invalid_argument(fmt::format(
          "a value of type {} cannot cross ranks: give it a tessera::Codec specialization "
          "(see tessera/codec.hpp)",
          detail::type_name(type)));
    writer.put(Kind::other);
    Codec<std::string>::encode(type.name(), writer);
    codec->encode(value, writer);
  }
  return {};
}

Value decode_value(const std::byte* data, std::size_t size, std::shared_ptr<void> owner) {
  ByteReader reader(data, size);
  try {
    switch (reader.get<Kind>()) {
      case Kind::empty:
        return Value();
      case Kind::null_host_chunk:
        return Value(Value::HostChunk());
      case Kind::host_chunk: {
        const auto dtype = reader.get<DType>();
        dtype_name(dtype);  // throws for a byte that is no dtype
        const auto ndim = reader.get<std::uint32_t>();
        if (ndim > reader.remaining() / sizeof(std::int64_t))
          throw std::invalid_argument(fmt::format("{} dimensions", ndim));
        Shape shape(ndim);
        std::int64_t elements = 1;
        for (auto& extent : shape) {
          extent = reader.get<std::int64_t>();
          if (extent < 0) throw std::invalid_argument(fmt::format("extent {}", extent));
          elements *= extent;
        }
        reader.align(kDataAlignment);
        const std::size_t nbytes = static_cast<std::size_t>(elements) * dtype_size(dtype);
        const std::byte* bytes = reader.take(nbytes);
        if (reinterpret_cast<std::uintptr_t>(bytes) % kDataAlignment != 0) {
          NDArray copy(std::move(shape), dtype);  // an unaligned buffer: the data is copied
          std::memcpy(copy.raw(), bytes, nbytes);
          return Value(std::move(copy));
        }
        return Value(
            NDArray(std::move(shape), dtype, std::move(owner), const_cast<std::byte*>(bytes)));
      }
      case Kind::remote_chunk: {
        const auto home = reader.get<std::int32_t>();
        const auto nbytes = reader.get<std::uint64_t>();
        return Value(std::make_shared<RemoteChunk>(home, nbytes));
      }
      case Kind::other: {
        const std::string name = Codec<std::string>::decode(reader);
        const OtherCodec* codec = find_other_codec(name);
        if (!codec)
          throw std::invalid_argument(fmt::format("type {} has no codec in this process", name));
        return codec->decode(reader);
      }
    }
    throw std::invalid_argument("unknown value kind");
  } catch (const std::exception& e) {
    throw std::invalid_argument(
        fmt::format("bytes of {} are no encoded value: {}", size, e.what()));
  }
}

}  // namespace detail
}  // namespace tessera
