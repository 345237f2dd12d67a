// Dedup of accepted messages (node/p2p/dispatcher.h), without sockets.
#include <gtest/gtest.h>

#include "node/p2p/dispatcher.h"
#include "proto/decode.h"

namespace ghost::p2p {
namespace {

Bytes tx_frame(uint64_t nonce) {
  pb::Envelope env;
  env.mutable_tx()->set_nonce(nonce);
  return *seal(env).bytes;
}

struct Fixture {
  std::vector<std::pair<PeerId, uint64_t>> delivered;  // (from, tx nonce)
  std::map<PeerId, uint64_t> heights;
  bool accept = true;
  Dispatcher d{1 << 20, 100,
               {.on_height = [this](const PeerId& p, uint64_t h) { heights[p] = h; },
                .on_message =
                    [this](const PeerId& p, const pb::Envelope& env) {
                      delivered.emplace_back(p, env.tx().nonce());
                      return accept;
                    }}};
  PeerId a = PrivateKey::from_seed("a").public_key(), b = PrivateKey::from_seed("b").public_key();
};

TEST(Dispatcher, AnAcceptedMessageIsDroppedWhenItComesAgain) {
  Fixture f;
  EXPECT_EQ(f.d.receive(f.a, tx_frame(1), false), Dispatcher::Outcome::kAccepted);
  EXPECT_EQ(f.d.receive(f.b, tx_frame(1), false), Dispatcher::Outcome::kDuplicate);
  EXPECT_EQ(f.delivered.size(), 1u);
}

// The network opens batches before frames reach the dispatcher; an Envelope{batch} that gets
// here (its fields in another order, or with an id) is a protocol offence and delivers nothing.
TEST(Dispatcher, ABatchThatDidNotStartWithItsFieldIsRefused) {
  Fixture f;
  const Bytes inner = tx_frame(1);
  pb::Envelope env;
  env.mutable_batch()->add_frames(std::string(inner.begin(), inner.end()));
  Bytes with_id = pb::encode(env);
  const Bytes empty_id{0x0a, 0x00};
  with_id.insert(with_id.begin(), empty_id.begin(), empty_id.end());
  auto r = f.d.receive(f.a, with_id, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offence, Offence::kProtocol);
  EXPECT_TRUE(f.delivered.empty());
}

TEST(Dispatcher, ADeclinedMessageIsDeliveredAgain) {
  Fixture f;
  f.accept = false;
  EXPECT_EQ(f.d.receive(f.a, tx_frame(1), false), Dispatcher::Outcome::kDeclined);
  f.accept = true;
  EXPECT_EQ(f.d.receive(f.b, tx_frame(1), false), Dispatcher::Outcome::kAccepted);
  EXPECT_EQ(f.d.receive(f.a, tx_frame(1), false), Dispatcher::Outcome::kDuplicate);
  ASSERT_EQ(f.delivered.size(), 2u);
  EXPECT_EQ(f.delivered[1].first, f.b);
}

TEST(Dispatcher, RememberedIdsAreDropped) {
  Fixture f;
  pb::Envelope env;
  env.mutable_tx()->set_nonce(9);
  f.d.remember(message_id(env));
  EXPECT_EQ(f.d.receive(f.a, tx_frame(9), false), Dispatcher::Outcome::kDuplicate);
  EXPECT_TRUE(f.delivered.empty());
}

// A copy is dropped by the id its first field names, before it is decoded: bytes after that
// prefix that do not even decode are not looked at (nor an offence) once the id was taken.
TEST(Dispatcher, ACopyIsDroppedByTheIdItNamesWithoutDecodingIt) {
  Fixture f;
  const Bytes frame = tx_frame(5);
  ASSERT_EQ(f.d.receive(f.a, frame, false), Dispatcher::Outcome::kAccepted);
  Bytes garbled(frame.begin(), frame.begin() + 34);
  garbled.insert(garbled.end(), {0x1a, 0x7f, 0x01});  // a tx field whose length runs past the end
  EXPECT_EQ(f.d.receive(f.b, garbled, false), Dispatcher::Outcome::kDuplicate);
  EXPECT_EQ(f.delivered.size(), 1u);
  // The same garbled bytes naming an id not taken are decoded, and refused.
  garbled[2] ^= 1;
  auto r = f.d.receive(f.b, garbled, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offence, Offence::kUndecodable);
  // A frame naming a taken id but sent as text is still the offence it was.
  auto text = f.d.receive(f.b, frame, true);
  ASSERT_FALSE(text);
  EXPECT_EQ(text.error().offence, Offence::kUndecodable);
}

TEST(Dispatcher, NamedIdIsReadOnlyFromTheLeadingIdField) {
  pb::Envelope env;
  env.mutable_tx()->set_nonce(3);
  const OutFrame out = seal(env);
  ASSERT_TRUE(named_id(*out.bytes));
  EXPECT_EQ(*named_id(*out.bytes), out.id);
  EXPECT_FALSE(named_id(pb::encode(env))) << "no message_id field";
  EXPECT_FALSE(named_id(ByteSpan(out.bytes->data(), 34))) << "cut before the payload";
  pb::Envelope status;
  status.mutable_status()->set_height(1);
  EXPECT_FALSE(named_id(*seal(status).bytes)) << "a status is always opened";
  pb::Envelope direct;
  direct.mutable_leaf_range_request()->set_count(1);
  EXPECT_FALSE(named_id(*seal(direct).bytes));
}

TEST(Dispatcher, StatusTellsTheHeightEvenAsADuplicate) {
  Fixture f;
  pb::Envelope env;
  env.mutable_status()->set_height(12);
  const Bytes frame = *seal(env).bytes;
  EXPECT_EQ(f.d.receive(f.a, frame, false), Dispatcher::Outcome::kAccepted);
  EXPECT_EQ(f.d.receive(f.b, frame, false), Dispatcher::Outcome::kDuplicate);
  EXPECT_EQ(f.heights[f.a], 12u);
  EXPECT_EQ(f.heights[f.b], 12u);
}

TEST(Dispatcher, DirectMessagesAreNeverDeduplicated) {
  Fixture f;
  pb::Envelope env;
  env.mutable_leaf_range_request()->set_count(1);
  const Bytes frame = *seal(env).bytes;
  EXPECT_EQ(f.d.receive(f.a, frame, false), Dispatcher::Outcome::kAccepted);
  EXPECT_EQ(f.d.receive(f.a, frame, false), Dispatcher::Outcome::kAccepted) << "asked again, delivered again";
  EXPECT_EQ(f.delivered.size(), 2u);
}

TEST(Dispatcher, AHandshakeAfterTheHandshakeIsAnOffence) {
  Fixture f;
  pb::Envelope env;
  env.mutable_handshake()->set_chain_id("c");
  const Bytes frame = *seal(env).bytes;
  auto r = f.d.receive(f.a, frame, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().offence, Offence::kBadHandshake);
  // And never counts as seen: the same bytes are refused again, not dropped as a copy.
  auto again = f.d.receive(f.b, frame, false);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().offence, Offence::kBadHandshake);
}

}  // namespace
}  // namespace ghost::p2p
