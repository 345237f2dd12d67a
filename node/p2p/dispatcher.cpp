#include "node/p2p/dispatcher.h"

namespace ghost::p2p {

Dispatcher::Dispatcher(uint64_t max_frame_bytes, size_t seen_capacity, Sink sink)
    : max_frame_bytes_(max_frame_bytes), seen_(seen_capacity), sink_(std::move(sink)) {}

Checked<Dispatcher::Outcome> Dispatcher::receive(const PeerId& from, ByteSpan frame, bool text) {
  // A copy of a message already taken is dropped before it is decoded and hashed: in a mesh
  // each tx arrives from every peer. A peer that names a taken id for other bytes loses only
  // its own frame (the real message still comes from the others).
  if (!text && frame.size() <= max_frame_bytes_)
    if (auto named = named_id(frame); named && seen_.contains(*named)) return Outcome::kDuplicate;
  auto in = open_frame(frame, text, max_frame_bytes_);
  if (!in) return std::unexpected(std::move(in.error()));
  if (in->env.has_handshake()) return violation(Offence::kBadHandshake, "a handshake after the handshake completed");
  // A batch is opened by the network before frames get here (open_batch): one that did not
  // start with its field is not a batch the protocol knows.
  if (in->env.has_batch()) return violation(Offence::kProtocol, "a batch that does not start with the batch field");
  // Before the dedup: equal statuses from different peers share an id, yet each tells
  // that peer's height.
  if (in->env.has_status()) sink_.on_height(from, in->env.status().height());
  const bool direct = is_direct(in->env);
  if (!direct && seen_.contains(in->id)) return Outcome::kDuplicate;
  if (!sink_.on_message(from, in->env)) return Outcome::kDeclined;
  if (!direct) seen_.insert(in->id);
  return Outcome::kAccepted;
}

}  // namespace ghost::p2p
