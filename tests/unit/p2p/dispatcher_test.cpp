// Dedup of accepted messages (node/p2p/dispatcher.h), without sockets.
#include <gtest/gtest.h>

#include "node/p2p/dispatcher.h"

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
