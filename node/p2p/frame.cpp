#include "node/p2p/frame.h"

#include <algorithm>

#include "proto/decode.h"

namespace ghost::p2p {
namespace {

// The id of an envelope whose message_id field is empty: its encoding is then the
// payload field alone.
Hash32 id_without_field(const pb::Envelope& env) { return sha256(pb::encode(env)); }

}  // namespace

bool is_direct(const pb::Envelope& env) { return env.has_leaf_range_request() || env.has_leaf_range_response(); }

Hash32 message_id(const pb::Envelope& env) {
  if (env.message_id().empty()) return id_without_field(env);
  pb::Envelope copy = env;
  copy.clear_message_id();
  return id_without_field(copy);
}

OutFrame seal(pb::Envelope env) {
  env.clear_message_id();
  if (is_direct(env)) return {std::make_shared<const Bytes>(pb::encode(env)), Hash32()};
  const Hash32 id = id_without_field(env);
  env.set_message_id(id.bytes.data(), id.size());
  return {std::make_shared<const Bytes>(pb::encode(env)), id};
}

std::optional<Hash32> named_id(ByteSpan frame) {
  // Field 1 (message_id), length 32, then the payload's tag: one byte for fields 2..15.
  constexpr uint8_t kIdTag = (1 << 3) | 2, kStatusTag = (pb::Envelope::kStatusFieldNumber << 3) | 2;
  if (frame.size() < 35 || frame[0] != kIdTag || frame[1] != Hash32::size() || frame[34] == kStatusTag)
    return std::nullopt;
  return Hash32::from_span(frame.subspan(2, Hash32::size()));
}

Checked<InFrame> open_frame(ByteSpan bytes, bool text, uint64_t max_bytes) {
  if (text) return violation(Offence::kUndecodable, "a text frame (envelopes travel in binary frames)");
  if (bytes.size() > max_bytes)
    return violation(Offence::kOversize, "a frame of " + std::to_string(bytes.size()) + " bytes, over " +
                                             std::to_string(max_bytes));
  auto env = pb::decode_as<pb::Envelope>(bytes, max_bytes);
  if (!env) return violation(Offence::kUndecodable, env.error().message);
  if (env->payload_case() == pb::Envelope::PAYLOAD_NOT_SET)
    return violation(Offence::kProtocol, "an envelope without a payload");
  const std::string claimed = std::move(*env->mutable_message_id());
  env->clear_message_id();
  if (is_direct(*env)) return InFrame{std::move(*env), Hash32()};
  const Hash32 id = id_without_field(*env);
  if (!claimed.empty() && !std::ranges::equal(as_bytes(claimed), id.bytes))
    return violation(Offence::kProtocol, "message_id is not the hash of the payload");
  env->set_message_id(id.bytes.data(), id.size());
  return InFrame{std::move(*env), id};
}

}  // namespace ghost::p2p
