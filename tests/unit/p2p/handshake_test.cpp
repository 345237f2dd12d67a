// The handshake state machine on its own (node/p2p/handshake.h): both sides prove their
// node keys, and every deviation is refused with a code.
#include <gtest/gtest.h>

#include "node/p2p/handshake.h"

namespace ghost::p2p {
namespace {

struct Side {
  PrivateKey key;
  Handshake hs;
  Side(std::string_view seed, std::string chain = "chain-a", std::string genesis = "genesis-a")
      : key(PrivateKey::from_seed(seed)),
        hs(key, std::move(chain), sha256(genesis), "127.0.0.1:1", 7, random_nonce()) {}
};

TEST(Handshake, BothSidesProveTheirKeys) {
  Side a("a"), b("b");
  ASSERT_TRUE(a.hs.receive(b.hs.hello()));
  ASSERT_TRUE(b.hs.receive(a.hs.hello()));
  EXPECT_EQ(a.hs.stage(), Handshake::Stage::kAwaitProof);
  ASSERT_TRUE(a.hs.receive(b.hs.proof()));
  ASSERT_TRUE(b.hs.receive(a.hs.proof()));
  EXPECT_EQ(a.hs.stage(), Handshake::Stage::kDone);
  EXPECT_EQ(b.hs.stage(), Handshake::Stage::kDone);
  EXPECT_EQ(a.hs.peer_key(), b.key.public_key());
  EXPECT_EQ(b.hs.peer_key(), a.key.public_key());
  EXPECT_EQ(a.hs.peer_hello().height(), 7u);
  EXPECT_EQ(a.hs.peer_hello().listen_addr(), "127.0.0.1:1");
  EXPECT_FALSE(a.hs.receive(b.hs.proof())) << "nothing after the handshake";
}

TEST(Handshake, TheProofSignsTheOthersNonceGenesisAndOwnKey) {
  Side a("a"), b("b");
  ASSERT_TRUE(b.hs.receive(a.hs.hello()));
  const auto sig = Signature::from_bytes(as_bytes(b.hs.proof().nonce_signature()));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verify(b.key.public_key(), SignDomain::kP2pHandshake, "chain-a",
                     proof_message(a.hs.nonce(), sha256("genesis-a"), b.key.public_key()), *sig));
}

TEST(Handshake, AnotherChainOrGenesisIsAMismatch) {
  Side a("a"), other_chain("b", "chain-b"), other_genesis("c", "chain-a", "genesis-b");
  auto r = a.hs.receive(other_chain.hs.hello());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMismatch);
  EXPECT_NE(r.error().message.find("chain id"), std::string::npos) << r.error().message;
  Side a2("a");
  r = a2.hs.receive(other_genesis.hs.hello());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMismatch);
  EXPECT_NE(r.error().message.find("genesis hash"), std::string::npos) << r.error().message;
}

TEST(Handshake, RefusesMalformedHellos) {
  Side b("b");
  auto broken = [&](auto edit) {
    Side a("a");
    pb::Handshake m = b.hs.hello();
    edit(m);
    auto r = a.hs.receive(m);
    return !r && r.error().code == Errc::kInvalid && a.hs.stage() == Handshake::Stage::kAwaitHello;
  };
  EXPECT_TRUE(broken([](pb::Handshake& m) { m.set_node_pubkey(std::string(32, '\0')); }));
  EXPECT_TRUE(broken([](pb::Handshake& m) { m.set_node_pubkey("short"); }));
  EXPECT_TRUE(broken([](pb::Handshake& m) { m.set_nonce(std::string(31, 'n')); }));
  EXPECT_TRUE(broken([](pb::Handshake& m) { m.set_nonce_signature(std::string(64, 's')); }));
  EXPECT_TRUE(broken([](pb::Handshake& m) { m.set_listen_addr(std::string(kMaxListenAddrBytes + 1, 'x')); }));
  EXPECT_FALSE(broken([](pb::Handshake&) {})) << "the unedited hello is fine";
}

TEST(Handshake, RefusesBadProofs) {
  // a receives b's proof after `edit`; true when a refuses it and still waits for a proof.
  auto refused = [](auto edit) {
    Side a("a"), b("b");
    EXPECT_TRUE(a.hs.receive(b.hs.hello()));
    EXPECT_TRUE(b.hs.receive(a.hs.hello()));
    pb::Handshake proof = b.hs.proof();
    edit(proof, a);
    auto r = a.hs.receive(proof);
    return !r && r.error().code == Errc::kInvalid && a.hs.stage() == Handshake::Stage::kAwaitProof;
  };
  EXPECT_TRUE(refused([](pb::Handshake& m, Side&) { (*m.mutable_nonce_signature())[5] ^= 1; }));
  EXPECT_TRUE(refused([](pb::Handshake& m, Side&) { m.set_nonce_signature("short"); }));
  EXPECT_TRUE(refused([](pb::Handshake& m, Side&) { m.set_height(1); }));
  EXPECT_TRUE(refused([](pb::Handshake& m, Side& a) {
    Side c("c");  // signs a's nonce too, but is not the key b's hello claimed
    EXPECT_TRUE(c.hs.receive(a.hs.hello()));
    m = c.hs.proof();
  }));
  EXPECT_FALSE(refused([](pb::Handshake&, Side&) {})) << "the unedited proof is fine";
}

TEST(Handshake, AProofSignedForAnotherNonceFails) {
  Side a("a"), b("b"), a_again("a");
  ASSERT_TRUE(a.hs.receive(b.hs.hello()));
  ASSERT_TRUE(b.hs.receive(a_again.hs.hello()));  // b signs a_again's nonce (a replay)
  EXPECT_FALSE(a.hs.receive(b.hs.proof()));
}

}  // namespace
}  // namespace ghost::p2p
