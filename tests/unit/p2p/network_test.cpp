// Networks talking over real sockets on 127.0.0.1: connecting, sending, broadcasting, dedup.
#include <gtest/gtest.h>

#include "node/p2p/frame.h"
#include "tests/unit/p2p/harness.h"
#include "tests/unit/p2p/raw_peer.h"

namespace ghost::p2p::test {
namespace {

auto is_tx = [](uint64_t nonce) {
  return [nonce](const TestNode::Message& m) { return m.env.has_tx() && m.env.tx().nonce() == nonce; };
};
auto from = [](const PeerId& peer, auto match) {
  return [peer, match](const TestNode::Message& m) { return m.from == peer && match(m); };
};

TEST(Network, TwoNodesHandshakeAndExchangeBothWays) {
  TestNode a({.height = 11});
  TestNode b(dialling({a.address()}, {.height = 22}));
  ASSERT_TRUE(linked(a, b));

  ASSERT_EQ(a.connects().size(), 1u);
  const PeerInfo b_seen_by_a = a.connects()[0];
  EXPECT_EQ(b_seen_by_a.id, b.id());
  EXPECT_FALSE(b_seen_by_a.outbound);
  EXPECT_EQ(b_seen_by_a.height, 22u);
  EXPECT_EQ(b_seen_by_a.listen, b.address()) << "the listen address b advertised";
  ASSERT_EQ(b.connects().size(), 1u);
  EXPECT_TRUE(b.connects()[0].outbound);
  EXPECT_EQ(b.connects()[0].height, 11u);
  EXPECT_EQ(b.connects()[0].address, a.address());

  a.net().send(b.id(), tx(1), Priority::kConsensus);
  b.net().send(a.id(), tx(2), Priority::kGossip);
  EXPECT_TRUE(eventually([&] { return b.count_messages(from(a.id(), is_tx(1))) == 1; }));
  EXPECT_TRUE(eventually([&] { return a.count_messages(from(b.id(), is_tx(2))) == 1; }));

  // A NodeStatus updates the height peers() reports.
  b.net().send(a.id(), status(99), Priority::kConsensus);
  EXPECT_TRUE(eventually([&] {
    auto peers = a.net().peers();
    return peers.size() == 1 && peers[0].height == 99;
  }));
  EXPECT_GT(a.counter("ghost_p2p_received_bytes_total"), 0u);
  EXPECT_GT(a.counter("ghost_p2p_sent_messages_total"), 0u);
  EXPECT_EQ(a.gauge("ghost_p2p_peers"), 1.0);
}

// Frames queued while a write is under way go out together as one batch; the peer gets every
// one, in order. The receiver here is a raw WebSocket peer, so it sees the batches themselves.
TEST(Network, FramesQueuedTogetherGoAsBatchesAndArriveInOrder) {
  TestNode a;
  const PrivateKey key = PrivateKey::generate();
  RawPeer peer(a.port());
  ASSERT_TRUE(peer.handshake(key, "test-chain", sha256(std::string_view("test-genesis"))));
  ASSERT_TRUE(eventually([&] { return a.connected_to(key.public_key()); }));
  constexpr uint64_t kTxs = 400;
  for (uint64_t n = 1; n <= kTxs; ++n) a.net().send(key.public_key(), tx(n), Priority::kGossip);
  std::vector<uint64_t> nonces;
  int batches = 0;
  while (nonces.size() < kTxs) {
    auto env = peer.read();
    ASSERT_TRUE(env) << "after " << nonces.size() << " txs";
    if (env->has_status()) continue;
    if (!env->has_batch()) {
      ASSERT_TRUE(env->has_tx());
      nonces.push_back(env->tx().nonce());
      continue;
    }
    ++batches;
    EXPECT_GE(env->batch().frames_size(), 2);
    for (const std::string& f : env->batch().frames()) {
      auto in = open_frame(as_bytes(f), false, 1 << 20);
      ASSERT_TRUE(in && in->env.has_tx());
      nonces.push_back(in->env.tx().nonce());
    }
  }
  EXPECT_GT(batches, 0) << "400 frames queued at once went one by one";
  for (uint64_t i = 0; i < kTxs; ++i) ASSERT_EQ(nonces[i], i + 1) << "out of order";
  EXPECT_TRUE(eventually([&] { return a.counter("ghost_p2p_sent_messages_total") >= kTxs; }))
      << "messages are counted one by one, batched or not";
}

TEST(Network, BroadcastReachesEveryPeerButTheExcepted) {
  TestNode a;
  TestNode b(dialling({a.address()}));
  TestNode c(dialling({a.address(), b.address()}));
  ASSERT_TRUE(linked(a, b));
  ASSERT_TRUE(linked(a, c));
  ASSERT_TRUE(linked(b, c));

  a.net().broadcast(tx(1), Priority::kGossip, b.id());
  a.net().send(b.id(), tx(2), Priority::kGossip);  // behind tx 1 on a's link to b, had it been sent
  ASSERT_TRUE(eventually([&] { return c.count_messages(is_tx(1)) == 1 && b.count_messages(is_tx(2)) == 1; }));
  EXPECT_EQ(b.count_messages(is_tx(1)), 0u);

  a.net().broadcast(tx(3), Priority::kConsensus);
  EXPECT_TRUE(eventually([&] { return b.count_messages(is_tx(3)) == 1 && c.count_messages(is_tx(3)) == 1; }));
}

TEST(Network, AnAcceptedMessageIsDroppedWhenAnotherPeerSendsItAgain) {
  TestNode a;
  TestNode b(dialling({a.address()}));
  TestNode c(dialling({b.address()}));
  ASSERT_TRUE(linked(a, b));
  ASSERT_TRUE(linked(b, c));

  a.net().broadcast(tx(1), Priority::kGossip);
  ASSERT_TRUE(eventually([&] { return b.count_messages(is_tx(1)) == 1; }));
  c.net().send(b.id(), tx(1), Priority::kGossip);
  c.net().send(b.id(), tx(9), Priority::kGossip);  // arrives after the copy
  ASSERT_TRUE(eventually([&] { return b.count_messages(is_tx(9)) == 1; }));
  EXPECT_EQ(b.count_messages(is_tx(1)), 1u) << "the copy from c was delivered";
  EXPECT_EQ(b.counter("ghost_p2p_duplicates_total"), 1u);

  // a broadcast tx 1 itself: b's copy back is dropped there too.
  b.net().send(a.id(), tx(1), Priority::kGossip);
  b.net().send(a.id(), tx(10), Priority::kGossip);
  ASSERT_TRUE(eventually([&] { return a.count_messages(is_tx(10)) == 1; }));
  EXPECT_EQ(a.count_messages(is_tx(1)), 0u);
}

TEST(Network, AMessageNotAcceptedIsDeliveredAgain) {
  TestNode a;
  TestNode b(dialling({a.address()}));
  TestNode c(dialling({b.address()}));
  ASSERT_TRUE(linked(a, b));
  ASSERT_TRUE(linked(b, c));

  b.accept(false);
  a.net().send(b.id(), tx(5), Priority::kGossip);
  ASSERT_TRUE(eventually([&] { return b.count_messages(is_tx(5)) == 1; }));
  b.accept(true);
  c.net().send(b.id(), tx(5), Priority::kGossip);
  ASSERT_TRUE(eventually([&] { return b.count_messages(from(c.id(), is_tx(5))) == 1; }));
  // Accepted now: a third copy is dropped.
  a.net().send(b.id(), tx(5), Priority::kGossip);
  a.net().send(b.id(), tx(6), Priority::kGossip);
  ASSERT_TRUE(eventually([&] { return b.count_messages(is_tx(6)) == 1; }));
  EXPECT_EQ(b.count_messages(is_tx(5)), 2u);
}

TEST(Network, NodesDiallingEachOtherAtOnceKeepOneConnection) {
  const uint16_t pa = free_port(), pb = free_port();
  TestNode::Options oa = dialling({"127.0.0.1:" + std::to_string(pb)});
  oa.config.listen = "127.0.0.1:" + std::to_string(pa);
  TestNode::Options ob = dialling({"127.0.0.1:" + std::to_string(pa)});
  ob.config.listen = "127.0.0.1:" + std::to_string(pb);
  TestNode a(oa), b(ob);
  ASSERT_TRUE(linked(a, b));
  auto settled = [](TestNode& n) {
    return n.net().peers().size() == 1 && n.connects().size() == n.disconnects().size() + 1;
  };
  ASSERT_TRUE(eventually([&] { return settled(a) && settled(b); }));
  EXPECT_TRUE(never([&] { return !settled(a) || !settled(b); }, 500ms));
  EXPECT_LE(a.connects().size(), 2u) << "no redial storm";
}

}  // namespace
}  // namespace ghost::p2p::test
