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
  EXPECT_EQ(r.error().code, Errc::kTooLarge) << r.error().message;
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
  EXPECT_EQ(r.error().code, Errc::kInvalid) << r.error().message;
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

// Encoding is the deterministic form of docs/protocol.md (Conventions): known fields in
// ascending field-number order whatever order they were set in, varints minimal. Each
// encoding is checked against bytes assembled by hand, and against an envelope whose fields
// were set in the opposite order.
TEST(Decode, EncodingIsDeterministic) {
  auto varint = [](Bytes& out, uint64_t v) {
    for (; v >= 0x80; v >>= 7) out.push_back(uint8_t(v | 0x80));
    out.push_back(uint8_t(v));
  };
  auto field = [](Bytes& out, uint8_t tag, const std::string& s) {
    out.push_back(tag);
    out.push_back(uint8_t(s.size()));  // every field here is shorter than 128 bytes
    for (char c : s) out.push_back(uint8_t(c));
  };
  std::mt19937_64 rng(1);
  for (int i = 0; i < 100; ++i) {
    const uint64_t nonce = rng() >> (rng() % 64);
    TxEnvelope a = sample_envelope();
    a.set_nonce(nonce);
    TxEnvelope b;  // the same fields, set last to first
    b.set_signature(std::string(64, '\x22'));
    b.set_body("body");
    b.set_fee(1000);
    b.set_nonce(nonce);
    b.set_sender(std::string(32, '\x11'));
    b.set_chain_id("ghost-test");
    Bytes want;
    field(want, 0x0a, "ghost-test");
    field(want, 0x12, std::string(32, '\x11'));
    if (nonce) {  // proto3: a zero nonce is omitted
      want.push_back(0x18);
      varint(want, nonce);
    }
    want.push_back(0x20);
    varint(want, 1000);
    field(want, 0x2a, "body");
    field(want, 0x32, std::string(64, '\x22'));
    EXPECT_EQ(encode(a), want) << "nonce " << nonce;
    EXPECT_EQ(encode(b), want) << "nonce " << nonce;
  }
}

}  // namespace
}  // namespace ghost::pb
