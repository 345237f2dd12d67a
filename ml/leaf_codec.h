// Wire encoding of opened leaves (docs/protocol.md §3.15). Hashes are always over the
// canonical bytes (little-endian float32); the wire form only changes what travels.
#pragma once

#include <cstddef>

#include "base/bytes.h"
#include "base/result.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

// Largest decoded payload of one opening; bounds what a hostile zstd frame can make us allocate.
inline constexpr size_t kMaxOpenedBytes = 64u << 20;

// `canonical` is `count` leaves of `leaf_bytes` each, concatenated in ascending index order.
// LEAVES_DELTA_ZSTD XORs every leaf with the previous one (the first with zeros), then zstd;
// LEAVES_ZSTD compresses the canonical bytes as they are.
Bytes encode_leaves(ByteSpan canonical, size_t leaf_bytes, pb::LeafEncoding encoding);

// A proof generator's choice: one fixed encoding, or the shortest of all for each opening.
struct LeafWire {
  LeafWire(pb::LeafEncoding e = pb::LEAVES_RAW) : encoding(e) {}
  static LeafWire shortest() {
    LeafWire w;
    w.pick_shortest = true;
    return w;
  }
  pb::LeafEncoding encoding;
  bool pick_shortest = false;
};

struct EncodedLeaves {
  pb::LeafEncoding encoding;
  Bytes bytes;
};
EncodedLeaves encode_leaves(ByteSpan canonical, size_t leaf_bytes, LeafWire wire);

// The exact inverse: yields count * leaf_bytes canonical bytes, or an error when the payload
// does not decode to exactly that many bytes (short, long, corrupt, an unknown encoding).
Result<Bytes> decode_leaves(ByteSpan wire, pb::LeafEncoding encoding, size_t count, size_t leaf_bytes);

}  // namespace ghost::ml
