#pragma once
// What a task returns and its consumers read. The kinds the scheduler treats differently have
// types of their own: a chunk in host memory (may go to the chunk store and spill), a chunk in
// device memory (stays in the store's device tier or comes back to the host), a handle to a
// stored chunk (read back when a consumer needs it). Everything else (a delayed function's int,
// a reduction's partials, any user type) is "other": kept type-erased with the bytes it holds,
// counted once when it is made, so memory accounting never has to guess at a type later.
// Only this class looks inside the type-erased object; a read of the wrong type is an error
// naming both types.

#include <any>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <variant>
#include <vector>

#include "tessera/chunk_store.hpp"
#include "tessera/codec.hpp"
#include "tessera/ndarray.hpp"

namespace tessera {

namespace detail {

template <class T>
struct is_vector : std::false_type {};
template <class U, class A>
struct is_vector<std::vector<U, A>> : std::true_type {};
template <class T>
struct is_shared_ptr : std::false_type {};
template <class U>
struct is_shared_ptr<std::shared_ptr<U>> : std::true_type {};

/// Bytes a value holds, for memory accounting: what `nbytes()` says where it has one, the
/// elements of vectors and strings (their data is what grows), what a shared pointer points to,
/// else the object itself.
template <class T>
std::uint64_t bytes_held(const T& object) {
  if constexpr (requires { static_cast<std::uint64_t>(object.nbytes()); }) {
    return static_cast<std::uint64_t>(object.nbytes());
  } else if constexpr (is_shared_ptr<T>::value) {
    return object ? bytes_held(*object) : 0;
  } else if constexpr (std::is_same_v<T, std::string>) {
    return object.size();
  } else if constexpr (is_vector<T>::value) {
    using Element = typename T::value_type;
    if constexpr (std::is_trivially_copyable_v<Element>) {
      return object.size() * sizeof(Element);
    } else {
      std::uint64_t bytes = 0;
      for (const auto& element : object) bytes += bytes_held(element);
      return bytes;
    }
  } else {
    return sizeof(T);
  }
}

}  // namespace detail

class Value;

namespace detail {
/// Registers T's codec (see codec.hpp) before main() in every process of the program: any type a
/// task can return is known to a rank that receives it, whether or not that rank ever made one.
template <class T>
struct CodecRegistration {
  static const bool registered;
};

/// A result that is none of the chunk kinds: kept type-erased (so copyable, as std::any needs).
template <class T>
concept other_result =
    !std::is_same_v<std::decay_t<T>, Value> && !std::is_same_v<std::decay_t<T>, NDArray> &&
    !std::is_convertible_v<T, std::shared_ptr<NDArray>> &&
    !std::is_convertible_v<T, std::shared_ptr<DeviceArray>> &&
    !std::is_convertible_v<T, std::shared_ptr<StoredChunk>> &&
    std::is_copy_constructible_v<std::decay_t<T>>;
}  // namespace detail

class Value {
 public:
  using HostChunk = std::shared_ptr<NDArray>;
  using DeviceChunk = std::shared_ptr<DeviceArray>;
  using Stored = std::shared_ptr<StoredChunk>;

  /// Empty: no result yet (or released).
  Value() noexcept = default;

  // The constructors are implicit: a task returns what it made (`return chunk;`, `return 42;`).
  /// A chunk in host memory. (A null pointer, which a delayed function may return, is kept as
  /// one: it is a value, holding 0 bytes.)
  Value(HostChunk chunk) noexcept : kind_(std::move(chunk)) {}
  /// An array returned by value is a host chunk too: it holds the same kind of data.
  Value(NDArray array) : kind_(std::make_shared<NDArray>(std::move(array))) {}
  /// A chunk in device memory.
  Value(DeviceChunk chunk) noexcept : kind_(std::move(chunk)) {}
  /// A chunk in a ChunkStore (any implementation's handle).
  template <class S, class = std::enable_if_t<std::is_base_of_v<StoredChunk, S>>>
  Value(std::shared_ptr<S> stored) noexcept : kind_(Stored(std::move(stored))) {}
  /// Any other result: kept type-erased with its bytes (detail::bytes_held) counted now.
  template <detail::other_result T>
  Value(T&& object) : kind_(make_other(std::forward<T>(object))) {}

  bool has_value() const noexcept { return !std::holds_alternative<std::monostate>(kind_); }
  void reset() noexcept { kind_ = std::monostate{}; }

  /// The host chunk, or null when the value is of another kind.
  const HostChunk* host_chunk() const noexcept { return std::get_if<HostChunk>(&kind_); }
  /// The device chunk, or null when the value is of another kind.
  const DeviceChunk* device_chunk() const noexcept { return std::get_if<DeviceChunk>(&kind_); }
  /// The stored chunk's handle, or null when the value is of another kind.
  const Stored* stored_chunk() const noexcept { return std::get_if<Stored>(&kind_); }

  /// Bytes the value holds: a chunk's data (device bytes for a device chunk), 0 for a stored
  /// chunk (its store counts it), a null chunk and an empty value, the count made at creation
  /// otherwise.
  std::uint64_t nbytes() const noexcept;

  /// The value as a T: a host chunk as std::shared_ptr<NDArray> or NDArray, a device chunk as
  /// std::shared_ptr<DeviceArray>, a stored chunk as std::shared_ptr<StoredChunk>, anything
  /// else as the type it was made from. Throws ValueTypeError (a std::bad_cast) naming T and
  /// the type held when they differ.
  template <class T>
  const T& get() const {
    if constexpr (std::is_same_v<T, NDArray>) {
      if (const HostChunk* chunk = host_chunk()) return **chunk;
    } else if constexpr (std::is_same_v<T, HostChunk>) {
      if (const HostChunk* chunk = host_chunk()) return *chunk;
    } else if constexpr (std::is_same_v<T, DeviceChunk>) {
      if (const DeviceChunk* chunk = device_chunk()) return *chunk;
    } else if constexpr (std::is_same_v<T, Stored>) {
      if (const Stored* stored = stored_chunk()) return *stored;
    } else if (const Other* other = std::get_if<Other>(&kind_)) {
      if (const T* object = std::any_cast<T>(&other->object)) return *object;
    }
    throw_wrong_type(typeid(T));
  }

  /// The type of a value of none of the chunk kinds; null for the chunk kinds and no value.
  const std::type_info* other_type() const noexcept {
    const Other* other = std::get_if<Other>(&kind_);
    return other ? &other->object.type() : nullptr;
  }

  /// The type held, as get<T>() names it in its error ("empty" for no value).
  std::string type_name() const;

 private:
  struct Other {
    std::any object;
    std::uint64_t nbytes = 0;
  };
  template <class T>
  static Other make_other(T&& object) {
    if constexpr (has_codec<std::decay_t<T>>)
      static_cast<void>(detail::CodecRegistration<std::decay_t<T>>::registered);
    const std::uint64_t bytes = detail::bytes_held(object);  // before the object moves
    return Other{std::any(std::forward<T>(object)), bytes};
  }
  [[noreturn]] void throw_wrong_type(const std::type_info& wanted) const;

  std::variant<std::monostate, HostChunk, DeviceChunk, Stored, Other> kind_;
};

namespace detail {
/// How values of one type of none of the chunk kinds become bytes and back.
struct OtherCodec {
  void (*encode)(const Value& value, ByteWriter& out);
  Value (*decode)(ByteReader& in);
};
/// Records `codec` for `type` (keyed by its mangled name, the same in every process of one
/// binary); returns true.
bool register_other_codec(const std::type_info& type, OtherCodec codec);
/// The codec registered under a mangled type name, or null.
const OtherCodec* find_other_codec(std::string_view mangled_name);

template <class T>
const bool CodecRegistration<T>::registered = register_other_codec(
    typeid(T),
    OtherCodec{[](const Value& value, ByteWriter& out) { Codec<T>::encode(value.get<T>(), out); },
               [](ByteReader& in) -> Value { return Value(Codec<T>::decode(in)); }});
}  // namespace detail

/// A task's result read as a type it does not hold.
class ValueTypeError : public std::bad_cast {
 public:
  explicit ValueTypeError(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }

 private:
  std::string message_;
};

}  // namespace tessera
