// Handshakes that must not complete: another chain or genesis, a bad signature, this node
// itself, a pinned key that does not match, and a peer that never finishes.
#include <gtest/gtest.h>

#include "tests/unit/p2p/harness.h"
#include "tests/unit/p2p/raw_peer.h"

namespace ghost::p2p::test {
namespace {

TEST(Refusal, AnotherChainIdIsRefusedWithTheReasonLogged) {
  LogCapture log;
  TestNode a({.chain_id = "chain-a"});
  TestNode b(dialling({a.address()}, {.chain_id = "chain-b"}));
  ASSERT_TRUE(log.eventually_contains("chain id is 'chain-b', ours is 'chain-a'")) << log.text();
  EXPECT_TRUE(eventually([&] { return a.offences("bad_handshake") >= 1; }));
  EXPECT_TRUE(a.connects().empty());
  EXPECT_TRUE(b.connects().empty());
  EXPECT_NE(log.text().find("handshake failed"), std::string::npos);
}

TEST(Refusal, AnotherGenesisHashIsRefusedWithTheReasonLogged) {
  LogCapture log;
  const Hash32 ga = sha256(std::string_view("genesis-a")), gb = sha256(std::string_view("genesis-b"));
  TestNode a({.genesis = ga});
  TestNode b(dialling({a.address()}, {.genesis = gb}));
  ASSERT_TRUE(log.eventually_contains("genesis hash is " + gb.hex() + ", ours is " + ga.hex())) << log.text();
  EXPECT_TRUE(a.connects().empty());
  EXPECT_TRUE(b.connects().empty());
}

TEST(Refusal, ABadNonceSignatureIsRefused) {
  TestNode a;
  RawPeer raw(a.port());
  ASSERT_TRUE(raw.upgraded());
  const PrivateKey key = PrivateKey::generate();
  raw.handshake(key, "test-chain", sha256(std::string_view("test-genesis")), /*corrupt_proof=*/true);
  EXPECT_TRUE(raw.closed_by_node());
  EXPECT_EQ(a.offences("bad_handshake"), 1u);
  EXPECT_TRUE(a.connects().empty());

  // The same handshake with the signature intact completes (the test can tell them apart).
  RawPeer honest(a.port());
  ASSERT_TRUE(honest.handshake(key, "test-chain", sha256(std::string_view("test-genesis"))));
  EXPECT_TRUE(eventually([&] { return a.connected_to(key.public_key()); }));
}

TEST(Refusal, AConnectionToItselfIsClosedWithoutABan) {
  LogCapture log;
  TestNode a;
  TestNode twin(dialling({a.address()}, {.key = a.key()}));  // the same node key
  ASSERT_TRUE(log.eventually_contains("a connection to this node itself")) << log.text();
  EXPECT_TRUE(never([&] { return !a.connects().empty() || !twin.connects().empty(); }, 200ms));
  EXPECT_EQ(a.counter("ghost_p2p_bans_total") + twin.counter("ghost_p2p_bans_total"), 0u);
}

TEST(Refusal, APinnedKeyThatDoesNotMatchIsRefused) {
  LogCapture log;
  TestNode a;
  const PublicKey other = PrivateKey::generate().public_key();
  TestNode b(dialling({other.hex() + "@" + a.address()}));
  ASSERT_TRUE(log.eventually_contains("is not the pinned " + other.hex())) << log.text();
  EXPECT_TRUE(never([&] { return !a.connects().empty() || !b.connects().empty(); }, 200ms));
  // Pinned to the right key, it connects.
  TestNode c(dialling({a.id().hex() + "@" + a.address()}));
  EXPECT_TRUE(linked(a, c));
}

TEST(Refusal, AHandshakeThatDoesNotFinishInTimeIsClosed) {
  TestNode::Options o;
  o.config.handshake_timeout_ms = 200;
  TestNode a(o);
  RawPeer silent(a.port());
  ASSERT_TRUE(silent.upgraded());
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_TRUE(silent.closed_by_node());
  EXPECT_GE(std::chrono::steady_clock::now() - t0, 150ms);
  EXPECT_TRUE(a.connects().empty());
}

}  // namespace
}  // namespace ghost::p2p::test
