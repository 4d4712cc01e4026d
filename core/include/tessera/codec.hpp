#pragma once
// How a task's value becomes bytes and back, for values that cross processes (MPI ranks). Every
// rank runs the same binary, so a value's bytes are its in-memory representation where that is
// plain data; no portable format is needed.
//
// Built in: arithmetic types and enums, std::string, std::vector, std::array, std::pair,
// std::tuple, std::optional and std::shared_ptr of these. A type of your own crosses ranks once
// it has a specialization:
//
//   template <> struct tessera::Codec<Particle> {
//     static void encode(const Particle& p, tessera::ByteWriter& out) { out.put(p.x); ... }
//     static Particle decode(tessera::ByteReader& in) { return {in.get<double>(), ...}; }
//   };
//
// or, for a trivially copyable struct without pointers, `template <> inline constexpr bool
// tessera::bitwise_codec<Particle> = true;`. A value whose type has neither fails the task that
// made it, naming the type, when it has to cross ranks.

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace tessera {

/// Appends bytes to a buffer.
class ByteWriter {
 public:
  explicit ByteWriter(std::vector<std::byte>& out) : out_(out) {}
  void write(const void* data, std::size_t n) {
    const auto* bytes = static_cast<const std::byte*>(data);
    out_.insert(out_.end(), bytes, bytes + n);
  }
  /// A trivially copyable object as its bytes.
  template <class T>
  requires std::is_trivially_copyable_v<T>
  void put(const T& value) { write(&value, sizeof(T)); }
  /// Zero bytes up to a multiple of `alignment` from the buffer's start.
  void align(std::size_t alignment) {
    out_.resize((out_.size() + alignment - 1) / alignment * alignment);
  }
  std::size_t size() const noexcept { return out_.size(); }

 private:
  std::vector<std::byte>& out_;
};

/// Reads bytes in order; reading past the end throws std::out_of_range.
class ByteReader {
 public:
  ByteReader(const std::byte* data, std::size_t size) : data_(data), size_(size) {}
  const std::byte* take(std::size_t n);
  void read(void* out, std::size_t n) { std::memcpy(out, take(n), n); }
  template <class T>
  requires std::is_trivially_copyable_v<T> T get() {
    T value;
    read(&value, sizeof(T));
    return value;
  }
  void align(std::size_t alignment) { take((alignment - position_ % alignment) % alignment); }
  std::size_t position() const noexcept { return position_; }
  std::size_t remaining() const noexcept { return size_ - position_; }

 private:
  const std::byte* data_;
  std::size_t size_;
  std::size_t position_ = 0;
};

/// Opt-in for trivially copyable types whose bytes are their value (no pointers).
template <class T>
inline constexpr bool bitwise_codec = std::is_arithmetic_v<T> || std::is_enum_v<T>;

/// The customization point: specialize with static encode(const T&, ByteWriter&) and
/// static T decode(ByteReader&).
template <class T, class = void>
struct Codec;

/// Whether values of T can cross ranks.
template <class T>
concept has_codec = requires(const T& value, ByteWriter& out, ByteReader& in) {
  Codec<T>::encode(value, out);
  { Codec<T>::decode(in) } -> std::same_as<T>;
};

template <class T>
struct Codec<T, std::enable_if_t<bitwise_codec<T>>> {
  static void encode(const T& value, ByteWriter& out) { out.put(value); }
  static T decode(ByteReader& in) { return in.get<T>(); }
};

template <>
struct Codec<std::string> {
  static void encode(const std::string& value, ByteWriter& out) {
    out.put<std::uint64_t>(value.size());
    out.write(value.data(), value.size());
  }
  static std::string decode(ByteReader& in) {
    const auto n = in.get<std::uint64_t>();
    const std::byte* bytes = in.take(n);
    return std::string(reinterpret_cast<const char*>(bytes), n);
  }
};

template <class T, class A>
struct Codec<std::vector<T, A>, std::enable_if_t<has_codec<T>>> {
  static void encode(const std::vector<T, A>& value, ByteWriter& out) {
    out.put<std::uint64_t>(value.size());
    if constexpr (bitwise_codec<T>) {
      out.write(value.data(), value.size() * sizeof(T));
    } else {
      for (const T& element : value) Codec<T>::encode(element, out);
    }
  }
  static std::vector<T, A> decode(ByteReader& in) {
    const auto n = in.get<std::uint64_t>();
    std::vector<T, A> value;
    if constexpr (bitwise_codec<T>) {
      if (n > in.remaining() / sizeof(T)) in.take(in.remaining() + 1);  // throws: truncated
      value.resize(n);
      in.read(value.data(), n * sizeof(T));
    } else {
      value.reserve(std::min<std::uint64_t>(n, in.remaining()));
      for (std::uint64_t i = 0; i < n; ++i) value.push_back(Codec<T>::decode(in));
    }
    return value;
  }
};

template <class T, std::size_t N>
struct Codec<std::array<T, N>, std::enable_if_t<has_codec<T>>> {
  static void encode(const std::array<T, N>& value, ByteWriter& out) {
    for (const T& element : value) Codec<T>::encode(element, out);
  }
  static std::array<T, N> decode(ByteReader& in) {
    std::array<T, N> value;
    for (T& element : value) element = Codec<T>::decode(in);
    return value;
  }
};

template <class... T>
struct Codec<std::tuple<T...>, std::enable_if_t<(has_codec<T> && ...)>> {
  static void encode(const std::tuple<T...>& value, ByteWriter& out) {
    std::apply([&out](const T&... element) { (Codec<T>::encode(element, out), ...); }, value);
  }
  static std::tuple<T...> decode(ByteReader& in) {
    return std::tuple<T...>{Codec<T>::decode(in)...};  // braces: left to right
  }
};

template <class T, class U>
struct Codec<std::pair<T, U>, std::enable_if_t<has_codec<T> && has_codec<U>>> {
  static void encode(const std::pair<T, U>& value, ByteWriter& out) {
    Codec<T>::encode(value.first, out);
    Codec<U>::encode(value.second, out);
  }
  static std::pair<T, U> decode(ByteReader& in) {
    T first = Codec<T>::decode(in);
    return {std::move(first), Codec<U>::decode(in)};
  }
};

template <class T>
struct Codec<std::optional<T>, std::enable_if_t<has_codec<T>>> {
  static void encode(const std::optional<T>& value, ByteWriter& out) {
    out.put<std::uint8_t>(value.has_value());
    if (value) Codec<T>::encode(*value, out);
  }
  static std::optional<T> decode(ByteReader& in) {
    if (!in.get<std::uint8_t>()) return std::nullopt;
    return Codec<T>::decode(in);
  }
};

/// Shared pointers cross as what they point to (a null one as null); the receiver gets its own.
template <class T>
struct Codec<std::shared_ptr<T>, std::enable_if_t<has_codec<std::remove_const_t<T>>>> {
  using Element = std::remove_const_t<T>;
  static void encode(const std::shared_ptr<T>& value, ByteWriter& out) {
    out.put<std::uint8_t>(value != nullptr);
    if (value) Codec<Element>::encode(*value, out);
  }
  static std::shared_ptr<T> decode(ByteReader& in) {
    if (!in.get<std::uint8_t>()) return nullptr;
    return std::make_shared<Element>(Codec<Element>::decode(in));
  }
};

}  // namespace tessera
