// A peer that never reads: its consensus queue fills and it is dropped; gossip to it is
// dropped instead; memory stays within the queue limits either way.
#include <gtest/gtest.h>

#include "tests/unit/p2p/harness.h"
#include "tests/unit/p2p/raw_peer.h"

namespace ghost::p2p::test {
namespace {

const Hash32 kGenesis = sha256(std::string_view("test-genesis"));

pb::Envelope big_tx(uint64_t nonce) {
  pb::Envelope env = tx(nonce);
  env.mutable_tx()->set_body(std::string(32 << 10, 'b'));
  return env;
}

struct SlowPeerFixture {
  TestNode a;
  TestNode honest;
  PrivateKey key = PrivateKey::generate();
  RawPeer slow;

  static TestNode::Options options() {
    TestNode::Options o;
    o.config.send_queue_bytes = 1 << 20;
    o.config.gossip_queue_bytes = 256 << 10;
    return o;
  }
  SlowPeerFixture() : a(options()), honest(dialling({a.address()})), slow(a.port()) {
    EXPECT_TRUE(linked(a, honest));
    EXPECT_TRUE(slow.handshake(key, "test-chain", kGenesis));
    EXPECT_TRUE(eventually([&] { return a.connected_to(key.public_key()); }));
  }
  // Sends `frames` of 32 KiB to the slow peer (until it is dropped); returns the most bytes
  // seen queued for it.
  uint64_t send_to_slow(int frames, Priority priority) {
    uint64_t most = 0;
    for (int i = 0; i < frames; ++i) {
      a.net().send(key.public_key(), big_tx(uint64_t(i)), priority);
      if (i % 4 == 3) std::this_thread::sleep_for(1ms);  // pacing: the network thread keeps up
      auto peers = a.net().peers();
      auto slow_peer = std::ranges::find_if(peers, [&](const PeerInfo& p) { return p.id == key.public_key(); });
      if (slow_peer == peers.end()) break;
      most = std::max(most, slow_peer->queued_bytes);
    }
    return most;
  }
};

TEST(SlowPeer, IsDroppedWhenItsConsensusQueueIsFull) {
  SlowPeerFixture f;
  // Kernel socket buffers on loopback take a few MB before the queue grows at all.
  const uint64_t most = f.send_to_slow(2000, Priority::kConsensus);
  EXPECT_TRUE(eventually([&] { return !f.a.connected_to(f.key.public_key()); }));
  EXPECT_EQ(f.a.counter("ghost_p2p_slow_peers_total"), 1u);
  EXPECT_LE(most, 1u << 20) << "queued bytes stay within send_queue_bytes";
  EXPECT_GT(most, 512u << 10) << "the queue did fill before the peer was dropped";
  // The honest peer is unaffected.
  f.a.net().send(f.honest.id(), tx(7), Priority::kConsensus);
  EXPECT_TRUE(eventually([&] { return f.honest.count_messages([](auto& m) { return m.env.has_tx(); }) == 1; }));
}

TEST(SlowPeer, GossipOverflowDropsMessagesNotThePeer) {
  SlowPeerFixture f;
  const uint64_t most = f.send_to_slow(600, Priority::kGossip);
  EXPECT_TRUE(eventually([&] { return f.a.counter("ghost_p2p_gossip_dropped_total") > 0; }));
  EXPECT_TRUE(f.a.connected_to(f.key.public_key()));
  EXPECT_EQ(f.a.counter("ghost_p2p_slow_peers_total"), 0u);
  EXPECT_LE(most, 256u << 10) << "queued bytes stay within gossip_queue_bytes";
  EXPECT_GT(most, 128u << 10) << "the gossip queue did fill";
}

}  // namespace
}  // namespace ghost::p2p::test
