// SHA-256 and the 32-byte hash value type used everywhere in the protocol.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/bytes.h"

namespace ghost {

struct Hash32 {
  std::array<uint8_t, 32> bytes{};

  static Result<Hash32> from_hex(std::string_view hex);
  static Hash32 from_span(ByteSpan b);  // b.size() must be 32
  std::string hex() const { return to_hex(bytes); }
  bool is_zero() const;
  const uint8_t* data() const { return bytes.data(); }
  uint8_t* data() { return bytes.data(); }
  static constexpr size_t size() { return 32; }
  ByteSpan span() const { return bytes; }

  auto operator<=>(const Hash32&) const = default;
};

// Incremental SHA-256 (OpenSSL). One object may be reused after final().
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  Sha256& update(ByteSpan data);
  Sha256& update(const void* data, size_t len);
  Hash32 final();  // resets the object for the next message

 private:
  void* ctx_;
};

Hash32 sha256(ByteSpan data);
inline Hash32 sha256(std::string_view s) { return sha256(as_bytes(s)); }

struct Hash32Hasher {
  size_t operator()(const Hash32& h) const {
    size_t v;
    __builtin_memcpy(&v, h.bytes.data(), sizeof v);
    return v;
  }
};

}  // namespace ghost
