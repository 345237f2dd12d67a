// Frames on the wire: one pb::Envelope per binary WebSocket frame (docs/protocol.md §6.1).
#pragma once

#include <memory>
#include <optional>

#include "crypto/hash.h"
#include "node/p2p/offence.h"
#include "proto/p2p.pb.h"

namespace ghost::p2p {

// A message between two peers that is never relayed nor deduplicated (a leaf range request
// or response, §6.1.1): it has no message id, so a 4 MiB range is not hashed on either side
// just to name it.
bool is_direct(const pb::Envelope& env);

// An envelope ready for any number of peers (OutFrame, node/p2p/network.h): encoded once, its
// message_id field set (left empty, and `id` zero, for a direct message).
OutFrame seal(pb::Envelope env);
// The same for Envelope{tx} from the tx's encoded bytes (what the mempool keeps), without
// decoding or encoding it again.
OutFrame seal_tx(ByteSpan tx);

struct InFrame {
  pb::Envelope env;  // its message_id field holds `id` (empty for a direct message)
  Hash32 id;         // zero for a direct message
};
// The message id a frame names in its leading message_id field (how seal writes it), read
// without decoding the rest; nullopt when it does not start so, or carries a status (whose
// copies still tell each peer's height). Only a hint: open_frame checks it against the payload.
std::optional<Hash32> named_id(ByteSpan frame);

// Batches (docs/protocol.md §6.1): several small frames in one WebSocket message, one write
// and one read instead of one each (the system calls of a frame were the largest cost of a
// loaded node). Frames of at most kBatchFrameBytes, kBatchBytes in all.
inline constexpr size_t kBatchFrameBytes = 64u << 10;
inline constexpr size_t kBatchBytes = 256u << 10;
// Envelope{batch: FrameBatch{frames}} as the canonical encoding writes it (no message_id).
Bytes seal_batch(std::span<const ByteSpan> frames);
// nullopt: `frame` is not a batch (it does not start with the batch field). Else the frames it
// carries, in order, as views into `frame`; or undecodable (bytes that are not a FrameBatch
// alone) or protocol (no frames, or one that is itself a batch).
std::optional<Checked<std::vector<ByteSpan>>> open_batch(ByteSpan frame);

// A received frame: binary, at most max_bytes, an Envelope with a payload, and a message_id
// field that is empty or the envelope's id (not looked at in a direct message).
Checked<InFrame> open_frame(ByteSpan bytes, bool text, uint64_t max_bytes);

}  // namespace ghost::p2p
