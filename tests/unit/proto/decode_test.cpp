// The single entry point for untrusted bytes: limits, malformed input, deterministic encoding.
#include <gtest/gtest.h>

#include <random>

#include "proto/decode.h"
#include "proto/p2p.pb.h"
#include "proto/tx.pb.h"

namespace ghost::pb {
namespace {

TxEnvelope sample_envelope() {
  TxEnvelope e;
  e.set_chain_id("ghost-test");
  e.set_sender(std::string(32, '\x11'));
  e.set_nonce(7);
  e.set_fee(1000);
  e.set_body("body");
  e.set_signature(std::string(64, '\x22'));
  return e;
}

TEST(Decode, RoundTrip) {
  TxEnvelope e = sample_envelope();
  Bytes bytes = encode(e);
  auto back = decode_as<TxEnvelope>(bytes);
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->nonce(), 7u);
  EXPECT_EQ(back->chain_id(), "ghost-test");
  EXPECT_EQ(encode(*back), bytes);
}

TEST(Decode, RejectsOversizeBeforeParsing) {
  Bytes bytes = encode(sample_envelope());
  auto r = decode_as<TxEnvelope>(bytes, bytes.size() - 1);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("over the limit"), std::string::npos) << r.error().message;
  EXPECT_TRUE(decode_as<TxEnvelope>(bytes, bytes.size()));
}

TEST(Decode, RejectsTruncatedAndGarbage) {
  Bytes bytes = encode(sample_envelope());
  size_t rejected = 0;
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    Bytes prefix(bytes.begin(), bytes.begin() + cut);
    if (!decode_as<TxEnvelope>(prefix)) ++rejected;
  }
  // Cuts that fall exactly on a field boundary are themselves valid shorter messages.
  EXPECT_GT(rejected, bytes.size() / 2);
  Bytes garbage{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
  auto r = decode_as<TxEnvelope>(garbage);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("malformed"), std::string::npos);
}

TEST(Decode, FailureLeavesOutputEmpty) {
  TxEnvelope out = sample_envelope();
  Bytes garbage{0x0a, 0x50, 0x01};  // length-delimited field running past the end
  EXPECT_FALSE(decode(garbage, out));
  EXPECT_EQ(out.nonce(), 0u);
}

TEST(Decode, DeepNestingIsRefused) {
  // Nested Envelope -> tx -> ... cannot recurse, but a length-delimited chain of unknown
  // groups can: the recursion limit must stop it cleanly.
  Bytes deep;
  for (int i = 0; i < 200; ++i) deep.push_back(0x0b);  // start group, field 1
  EXPECT_FALSE(decode_as<Envelope>(deep));
}

TEST(Decode, EncodingIsDeterministic) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100; ++i) {
    TxEnvelope e = sample_envelope();
    e.set_nonce(rng());
    EXPECT_EQ(encode(e), encode(e));
  }
}

}  // namespace
}  // namespace ghost::pb
