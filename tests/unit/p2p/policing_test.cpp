// Peers that misbehave are banned and cannot come back during the ban, while honest peers
// stay; connection limits hold.
#include <gtest/gtest.h>

#include "node/p2p/frame.h"
#include "tests/unit/p2p/harness.h"
#include "tests/unit/p2p/raw_peer.h"

namespace ghost::p2p::test {
namespace {

const Hash32 kGenesis = sha256(std::string_view("test-genesis"));

struct Misbehaviour {
  const char* name;
  const char* offence;  // as labelled in ghost_p2p_offences_total
  std::function<void(RawPeer&)> act;
};

void PrintTo(const Misbehaviour& m, std::ostream* out) { *out << m.name; }

class Banned : public ::testing::TestWithParam<Misbehaviour> {};

TEST_P(Banned, AfterTheHandshakeAndCannotReconnect) {
  TestNode::Options o;
  o.config.max_frame_bytes = 64 << 10;
  o.config.max_messages_per_second = 100;
  TestNode a(o);
  TestNode honest(dialling({a.address()}));
  ASSERT_TRUE(linked(a, honest));

  const PrivateKey key = PrivateKey::generate();
  {
    RawPeer bad(a.port());
    ASSERT_TRUE(bad.handshake(key, "test-chain", kGenesis));
    ASSERT_TRUE(eventually([&] { return a.connected_to(key.public_key()); }));
    GetParam().act(bad);
    EXPECT_TRUE(bad.closed_by_node());
  }
  EXPECT_TRUE(eventually([&] { return a.counter("ghost_p2p_bans_total") == 1; }));
  EXPECT_GE(a.offences(GetParam().offence), 1u);
  EXPECT_TRUE(eventually([&] { return !a.connected_to(key.public_key()); }));

  // Back with the same key: refused before the node proves its own.
  RawPeer again(a.port());
  EXPECT_FALSE(again.handshake(key, "test-chain", kGenesis));
  EXPECT_TRUE(again.closed_by_node());
  EXPECT_EQ(std::ranges::count_if(a.connects(), [&](const PeerInfo& p) { return p.id == key.public_key(); }), 1);

  // The honest peer never noticed.
  EXPECT_TRUE(a.connected_to(honest.id()));
  EXPECT_TRUE(honest.disconnects().empty());
  a.net().send(honest.id(), tx(1), Priority::kConsensus);
  EXPECT_TRUE(eventually([&] { return honest.count_messages([](auto& m) { return m.env.has_tx(); }) == 1; }));
}

INSTANTIATE_TEST_SUITE_P(
    Policing, Banned,
    ::testing::Values(
        Misbehaviour{"Garbage", "undecodable", [](RawPeer& p) { p.send_bytes(Bytes{0xde, 0xad, 0xbe, 0xef, 0xff}); }},
        Misbehaviour{"TextFrame", "undecodable", [](RawPeer& p) { p.send_text("{\"hello\": 1}"); }},
        Misbehaviour{"OversizeFrame", "oversize", [](RawPeer& p) { p.send_bytes(Bytes(100 << 10, 0x0a)); }},
        Misbehaviour{"Flood", "flood",
                     [](RawPeer& p) {
                       // 100 messages per second over 2 s is a bucket of 200: 1,000 at once floods.
                       for (uint64_t h = 0; h < 1000 && p.send(status(h)); ++h) {
                       }
                     }},
        Misbehaviour{"MalformedBatch", "undecodable", [](RawPeer& p) { p.send_bytes(Bytes{0x62, 0x05, 0x0a, 0x00}); }},
        Misbehaviour{"FloodInOneBatch", "flood",
                     [](RawPeer& p) {
                       // Each frame of a batch counts: 300 in one message are over the bucket of 200.
                       std::vector<Bytes> frames;
                       for (uint64_t h = 0; h < 300; ++h) frames.push_back(*seal(status(h)).bytes);
                       std::vector<ByteSpan> spans(frames.begin(), frames.end());
                       p.send_bytes(seal_batch(spans));
                     }},
        Misbehaviour{"HandshakeAgain", "bad_handshake",
                     [](RawPeer& p) {
                       pb::Envelope env;
                       env.mutable_handshake()->set_chain_id("test-chain");
                       p.send(env);
                     }}),
    [](const auto& info) { return std::string(info.param.name); });

TEST(Policing, ReportedOffencesAddUpToABan) {
  TestNode a;
  TestNode b(dialling({a.address()}));
  ASSERT_TRUE(linked(a, b));
  for (int i = 0; i < 4; ++i) a.net().report(b.id(), Offence::kProtocol, "test");
  ASSERT_TRUE(eventually([&] {
    auto peers = a.net().peers();
    return peers.size() == 1 && peers[0].score == 80;
  }));
  EXPECT_TRUE(a.connected_to(b.id()));
  a.net().report(b.id(), Offence::kProtocol, "test");
  EXPECT_TRUE(eventually([&] { return !a.connected_to(b.id()) && a.counter("ghost_p2p_bans_total") == 1; }));
  // b redials (a persistent peer) but a refuses it while the ban lasts.
  EXPECT_TRUE(never([&] { return a.connects().size() > 1; }, 300ms));
  EXPECT_EQ(a.offences("protocol"), 5u);
}

TEST(Policing, GarbageBeforeTheHandshakeClosesButLoopbackIsNotBanned) {
  TestNode a;
  {
    RawPeer garbage(a.port());
    ASSERT_TRUE(garbage.upgraded());
    garbage.send_bytes(Bytes{1, 2, 3});
    EXPECT_TRUE(garbage.closed_by_node());
  }
  EXPECT_EQ(a.offences("undecodable"), 1u);
  EXPECT_EQ(a.counter("ghost_p2p_bans_total"), 0u) << "a loopback address is never banned";
  RawPeer next(a.port());
  EXPECT_TRUE(next.handshake(PrivateKey::generate(), "test-chain", kGenesis));
}

TEST(Policing, MaxInboundClosesExtraConnectionsRightAfterAccept) {
  TestNode::Options o;
  o.config.max_inbound = 2;
  TestNode a(o);
  auto first = std::make_unique<RawPeer>(a.port());
  RawPeer second(a.port());
  ASSERT_TRUE(first->upgraded());
  ASSERT_TRUE(second.upgraded());
  RawPeer third(a.port());
  EXPECT_TRUE(third.tcp_connected());
  EXPECT_FALSE(third.upgraded());
  // A slot frees when a connection goes.
  first.reset();
  EXPECT_TRUE(eventually([&] { return RawPeer(a.port()).upgraded(); }));
}

}  // namespace
}  // namespace ghost::p2p::test
