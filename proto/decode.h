// The one way untrusted bytes become protocol messages: a size limit, then a strict parse.
#pragma once

#include <google/protobuf/message_lite.h>

#include <string>

#include "base/bytes.h"
#include "base/result.h"

namespace ghost::pb {

inline constexpr size_t kDefaultMaxMessageBytes = 8u << 20;

// Parses `data` into `out`. Fails (leaving a reason) when the input is larger than
// max_bytes, is not a valid encoding, or leaves required structure unset.
Result<void> decode(ByteSpan data, google::protobuf::MessageLite& out,
                    size_t max_bytes = kDefaultMaxMessageBytes);

template <class M>
Result<M> decode_as(ByteSpan data, size_t max_bytes = kDefaultMaxMessageBytes) {
  M m;
  if (auto r = decode(data, m, max_bytes); !r) return std::unexpected(r.error());
  return m;
}

// Deterministic serialization (stable field order, map ordering) for anything hashed or signed.
Bytes encode(const google::protobuf::MessageLite& m);

}  // namespace ghost::pb
