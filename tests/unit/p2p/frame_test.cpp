// Frames and message ids (node/p2p/frame.h): what a receiver accepts, and which offence
// everything else is.
#include <gtest/gtest.h>

#include <random>

#include "node/p2p/frame.h"
#include "proto/decode.h"

namespace ghost::p2p {
namespace {

pb::Envelope status(uint64_t height) {
  pb::Envelope env;
  env.mutable_status()->set_height(height);
  return env;
}

TEST(MessageId, IsTheHashOfThePayloadFieldAlone) {
  pb::Envelope env = status(5);
  // Field 9, length-delimited: tag 0x4a, length 2, then NodeStatus{height = 5}.
  const Bytes payload_field = {0x4a, 0x02, 0x08, 0x05};
  EXPECT_EQ(message_id(env), sha256(payload_field));
  env.set_message_id("anything");
  EXPECT_EQ(message_id(env), sha256(payload_field)) << "the message_id field is not hashed";
  EXPECT_NE(message_id(status(6)), message_id(status(5)));
}

TEST(Seal, SetsTheMessageIdField) {
  pb::Envelope env = status(5);
  env.set_message_id("a wrong id");
  const OutFrame f = seal(env);
  EXPECT_EQ(f.id, message_id(env));
  auto back = pb::decode_as<pb::Envelope>(*f.bytes);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->message_id(), std::string(f.id.bytes.begin(), f.id.bytes.end()));
}

// seal writes message_id ahead of the payload by hand: byte for byte what encoding the
// envelope with that id gives, for payloads of every size class (varint lengths of 1-3 bytes).
TEST(Seal, EqualsTheCanonicalEncodingWithTheIdAndSealTxMatchesIt) {
  std::mt19937_64 rng(7);
  for (size_t len : {0u, 1u, 100u, 127u, 128u, 300u, 16383u, 16384u, 70000u}) {
    pb::Envelope env;
    std::string sig(len, '\0');
    for (char& c : sig) c = char(rng());
    env.mutable_tx()->set_signature(sig);
    env.mutable_tx()->set_nonce(rng());
    const OutFrame f = seal(env);
    pb::Envelope with_id = env;
    with_id.set_message_id(f.id.bytes.data(), f.id.size());
    EXPECT_EQ(*f.bytes, pb::encode(with_id)) << len;
    EXPECT_EQ(f.id, message_id(env)) << len;
    const OutFrame t = seal_tx(pb::encode(env.tx()));
    EXPECT_EQ(*t.bytes, *f.bytes) << len;
    EXPECT_EQ(t.id, f.id) << len;
    auto in = open_frame(*t.bytes, false, 1 << 20);
    ASSERT_TRUE(in) << in.error().reason;
    EXPECT_EQ(in->id, t.id);
  }
}

TEST(OpenFrame, AcceptsSealedAndIdlessEnvelopes) {
  const OutFrame f = seal(status(5));
  auto in = open_frame(*f.bytes, false, 1024);
  ASSERT_TRUE(in) << in.error().reason;
  EXPECT_EQ(in->id, f.id);
  EXPECT_EQ(in->env.status().height(), 5u);
  const Bytes idless = pb::encode(status(5));
  auto in2 = open_frame(idless, false, 1024);
  ASSERT_TRUE(in2) << in2.error().reason;
  EXPECT_EQ(in2->id, f.id);
  EXPECT_EQ(in2->env.message_id(), in->env.message_id()) << "the node always sees the id";
}

TEST(OpenFrame, NamesTheOffence) {
  const Bytes good = *seal(status(5)).bytes;
  auto offence = [](const Checked<InFrame>& r) { return r ? std::optional<Offence>() : r.error().offence; };
  EXPECT_EQ(offence(open_frame(good, true, 1024)), Offence::kUndecodable) << "a text frame";
  EXPECT_EQ(offence(open_frame(good, false, good.size() - 1)), Offence::kOversize);
  EXPECT_EQ(offence(open_frame(Bytes{0xff, 0xff, 0xff}, false, 1024)), Offence::kUndecodable);
  EXPECT_EQ(offence(open_frame(Bytes{}, false, 1024)), Offence::kProtocol) << "no payload";
  pb::Envelope wrong = status(5);
  wrong.set_message_id(std::string(32, 'x'));
  EXPECT_EQ(offence(open_frame(pb::encode(wrong), false, 1024)), Offence::kProtocol) << "a wrong message id";
  EXPECT_EQ(offence(open_frame(good, false, good.size())), std::nullopt);
}

// A batch is its frames in order; sealed by hand, it is what protobuf encodes for
// Envelope{batch}; each malformed batch is named.
TEST(Batch, IsItsFramesInOrderAndEncodedCanonically) {
  const Bytes a = *seal(status(5)).bytes, b = *seal_tx(Bytes(200, 9)).bytes;
  const ByteSpan frames[] = {a, b, a};
  const Bytes batch = seal_batch(frames);
  pb::Envelope env;
  for (const Bytes& f : {a, b, a}) env.mutable_batch()->add_frames(std::string(f.begin(), f.end()));
  EXPECT_EQ(batch, pb::encode(env));
  auto opened = open_batch(batch);
  ASSERT_TRUE(opened && *opened);
  ASSERT_EQ((*opened)->size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(std::ranges::equal((**opened)[i], frames[i]));
  EXPECT_FALSE(open_batch(a)) << "a frame that is not a batch";

  auto offence = [](const Bytes& bytes) {
    auto r = open_batch(bytes);
    return r && !*r ? std::optional<Offence>((*r).error().offence) : std::nullopt;
  };
  Bytes cut = batch;
  cut.pop_back();
  EXPECT_EQ(offence(cut), Offence::kUndecodable) << "shorter than its length";
  Bytes longer = batch;
  longer.push_back(0);
  EXPECT_EQ(offence(longer), Offence::kUndecodable) << "bytes past its length";
  EXPECT_EQ(offence(Bytes{0x62, 0x02, 0x12, 0x00}), Offence::kUndecodable) << "a field other than frames";
  EXPECT_EQ(offence(Bytes{0x62, 0x02, 0x0a, 0x05}), Offence::kUndecodable) << "a frame past the end";
  EXPECT_EQ(offence(Bytes{0x62, 0x00}), Offence::kProtocol) << "no frames";
  const ByteSpan nested[] = {batch};
  EXPECT_EQ(offence(seal_batch(nested)), Offence::kProtocol) << "a batch inside a batch";
  // Not starting with its field, a batch is an envelope the dispatcher refuses (dispatcher_test).
}

pb::Envelope leaf_range(std::string leaves) {
  pb::Envelope env;
  env.mutable_leaf_range_response()->mutable_leaves()->set_leaves(std::move(leaves));
  return env;
}

TEST(DirectMessage, IsSentWithoutAnIdAndNotHashedOnReceipt) {
  EXPECT_TRUE(is_direct(leaf_range("abc")));
  pb::Envelope ask;
  ask.mutable_leaf_range_request()->set_count(1);
  EXPECT_TRUE(is_direct(ask));
  EXPECT_FALSE(is_direct(status(5)));
  const OutFrame f = seal(leaf_range("abc"));
  EXPECT_TRUE(f.id.is_zero());
  EXPECT_EQ(*f.bytes, pb::encode(leaf_range("abc"))) << "encoded once, no message_id field";
  pb::Envelope claimed = leaf_range("abc");
  claimed.set_message_id(std::string(32, 'x'));  // not looked at: nothing deduplicates it
  auto in = open_frame(pb::encode(claimed), false, 1024);
  ASSERT_TRUE(in) << in.error().reason;
  EXPECT_TRUE(in->id.is_zero());
  EXPECT_TRUE(in->env.message_id().empty());
  EXPECT_EQ(in->env.leaf_range_response().leaves().leaves(), "abc");
}

}  // namespace
}  // namespace ghost::p2p
