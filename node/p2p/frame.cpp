#include "node/p2p/frame.h"

#include <algorithm>

#include "proto/decode.h"

namespace ghost::p2p {
namespace {

// The id of an envelope whose message_id field is empty: its encoding is then the
// payload field alone.
Hash32 id_without_field(const pb::Envelope& env) { return sha256(pb::encode(env)); }

}  // namespace

bool is_direct(const pb::Envelope& env) {
  return env.has_leaf_range_request() || env.has_leaf_range_response() || env.has_batch();
}

Hash32 message_id(const pb::Envelope& env) {
  if (env.message_id().empty()) return id_without_field(env);
  pb::Envelope copy = env;
  copy.clear_message_id();
  return id_without_field(copy);
}

namespace {

constexpr uint8_t kIdTag = (1 << 3) | 2;  // Envelope.message_id, length-delimited

// message_id first, as the canonical encoding puts field 1, then the payload field as given.
OutFrame with_id(ByteSpan head, ByteSpan payload_field) {
  Sha256 h;
  const Hash32 id = h.update(head).update(payload_field).final();
  auto bytes = std::make_shared<Bytes>();
  bytes->reserve(2 + id.size() + head.size() + payload_field.size());
  bytes->push_back(kIdTag);
  bytes->push_back(uint8_t(id.size()));
  bytes->insert(bytes->end(), id.bytes.begin(), id.bytes.end());
  bytes->insert(bytes->end(), head.begin(), head.end());
  bytes->insert(bytes->end(), payload_field.begin(), payload_field.end());
  return {std::move(bytes), id};
}

size_t varint_size(uint64_t n) {
  size_t k = 1;
  for (; n >= 0x80; n >>= 7) ++k;
  return k;
}

void put_varint(Bytes& out, uint64_t n) {
  for (; n >= 0x80; n >>= 7) out.push_back(uint8_t(n | 0x80));
  out.push_back(uint8_t(n));
}

// A varint at `at` (advanced past it), or nullopt when the bytes end or it runs over 10 bytes.
std::optional<uint64_t> get_varint(ByteSpan b, size_t& at) {
  uint64_t v = 0;
  for (int shift = 0; shift < 64 && at < b.size(); shift += 7) {
    const uint8_t byte = b[at++];
    v |= uint64_t(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
  return std::nullopt;
}

constexpr uint8_t kBatchTag = (pb::Envelope::kBatchFieldNumber << 3) | 2;
constexpr uint8_t kBatchFrameTag = (1 << 3) | 2;  // FrameBatch.frames

}  // namespace

OutFrame seal(pb::Envelope env) {
  env.clear_message_id();
  Bytes payload = pb::encode(env);  // the payload field alone
  if (is_direct(env)) return {std::make_shared<const Bytes>(std::move(payload)), Hash32()};
  return with_id({}, payload);
}

OutFrame seal_tx(ByteSpan tx) {
  Bytes head{(pb::Envelope::kTxFieldNumber << 3) | 2};
  put_varint(head, tx.size());
  return with_id(head, tx);
}

Bytes seal_batch(std::span<const ByteSpan> frames) {
  uint64_t body = 0;
  for (ByteSpan f : frames) body += 1 + varint_size(f.size()) + f.size();
  Bytes out;
  out.reserve(1 + varint_size(body) + body);
  out.push_back(kBatchTag);
  put_varint(out, body);
  for (ByteSpan f : frames) {
    out.push_back(kBatchFrameTag);
    put_varint(out, f.size());
    out.insert(out.end(), f.begin(), f.end());
  }
  return out;
}

std::optional<Checked<std::vector<ByteSpan>>> open_batch(ByteSpan frame) {
  if (frame.empty() || frame[0] != kBatchTag) return std::nullopt;
  size_t at = 1;
  const auto body = get_varint(frame, at);
  if (!body || *body != frame.size() - at)
    return Checked<std::vector<ByteSpan>>(violation(Offence::kUndecodable, "a batch whose length is not its bytes"));
  std::vector<ByteSpan> out;
  while (at < frame.size()) {
    if (frame[at++] != kBatchFrameTag)
      return Checked<std::vector<ByteSpan>>(violation(Offence::kUndecodable, "a batch holding a field other than frames"));
    const auto n = get_varint(frame, at);
    if (!n || *n > frame.size() - at)
      return Checked<std::vector<ByteSpan>>(violation(Offence::kUndecodable, "a batch frame past the batch's end"));
    const ByteSpan inner = frame.subspan(at, *n);
    if (!inner.empty() && inner[0] == kBatchTag)
      return Checked<std::vector<ByteSpan>>(violation(Offence::kProtocol, "a batch inside a batch"));
    out.push_back(inner);
    at += *n;
  }
  if (out.empty()) return Checked<std::vector<ByteSpan>>(violation(Offence::kProtocol, "an empty batch"));
  return Checked<std::vector<ByteSpan>>(std::move(out));
}

std::optional<Hash32> named_id(ByteSpan frame) {
  // Field 1 (message_id), length 32, then the payload's tag: one byte for fields 2..15.
  constexpr uint8_t kStatusTag = (pb::Envelope::kStatusFieldNumber << 3) | 2;
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
