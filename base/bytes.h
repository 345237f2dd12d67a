// Byte strings, hex encoding and little-endian integer encoding.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace ghost {

using Bytes = std::vector<uint8_t>;
using ByteSpan = std::span<const uint8_t>;

std::string to_hex(ByteSpan data);
// Accepts lowercase or uppercase hex of even length; anything else is an error.
Result<Bytes> from_hex(std::string_view hex);

inline ByteSpan as_bytes(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

void put_u64le(Bytes& out, uint64_t v);
void put_u64le(uint8_t out[8], uint64_t v);
uint64_t get_u64le(const uint8_t in[8]);

}  // namespace ghost
