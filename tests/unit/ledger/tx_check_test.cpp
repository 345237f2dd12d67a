// Stateless tx checks and the signature cache (consensus/tx_check.h).
#include "consensus/ledger/tx_check.h"

#include <gtest/gtest.h>

#include "tests/unit/ledger/testkit.h"

namespace ghost::ledger {
namespace {

using namespace testkit;

class TxCheckTest : public ::testing::Test {
 protected:
  pb::Params params = test_params();
  std::shared_ptr<SigCache> cache = std::make_shared<SigCache>(16);
  TxChecker checker{kChain, params, cache};
  PrivateKey alice = user(0);

  Bytes good(uint64_t nonce = 0) { return encode_tx(alice, kChain, nonce, body::transfer(addr(user(1)), 5), params); }
  pb::TxCode code_of(ByteSpan b) {
    auto r = checker.check(b);
    return r ? pb::OK : r.error().code;
  }
  Bytes resign(pb::TxEnvelope env) {
    env.set_signature(str(alice.sign(SignDomain::kTx, env.chain_id(), envelope_signing_bytes(env)).bytes));
    return pb::encode(env);
  }
};

TEST_F(TxCheckTest, AcceptsAWellFormedTx) {
  Bytes b = good();
  auto r = checker.check(b);
  ASSERT_TRUE(r) << r.error().reason;
  EXPECT_EQ(r->id, tx_id(b));
  EXPECT_EQ(r->sender_address, addr(alice));
  EXPECT_EQ(r->size, b.size());
  EXPECT_EQ(r->envelope.fee(), min_fee(params, b.size()));
  EXPECT_TRUE(r->body.has_transfer());
}

TEST_F(TxCheckTest, RejectsEveryTruncation) {
  Bytes b = good();
  for (size_t n = 0; n < b.size(); ++n) EXPECT_NE(code_of(ByteSpan(b).first(n)), pb::OK) << n;
}

TEST_F(TxCheckTest, RejectsOversize) {
  pb::TxBody big = body::transfer(addr(user(1)), 5);
  big.mutable_transfer()->mutable_to()->append(params.max_tx_bytes(), 'x');
  EXPECT_EQ(code_of(encode_tx(alice, kChain, 0, big, params)), pb::TX_TOO_LARGE);
}

TEST_F(TxCheckTest, RejectsWrongChain) {
  EXPECT_EQ(code_of(encode_tx(alice, "other-chain", 0, body::transfer(addr(user(1)), 5), params)), pb::TX_WRONG_CHAIN);
}

TEST_F(TxCheckTest, RejectsBadSignatures) {
  auto env = pb::decode_as<pb::TxEnvelope>(good()).value();
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20; ++i) {  // any flipped signature bit
    pb::TxEnvelope e = env;
    std::string sig = e.signature();
    sig[rng() % 64] ^= char(1 << (rng() % 8));
    e.set_signature(sig);
    EXPECT_EQ(code_of(pb::encode(e)), pb::TX_BAD_SIGNATURE);
  }
  pb::TxEnvelope other_signer = env;  // valid signature by someone else
  other_signer.set_signature(str(user(1).sign(SignDomain::kTx, kChain, envelope_signing_bytes(env)).bytes));
  EXPECT_EQ(code_of(pb::encode(other_signer)), pb::TX_BAD_SIGNATURE);
  pb::TxEnvelope wrong_domain = env;  // signed as a vote
  wrong_domain.set_signature(str(alice.sign(SignDomain::kVote, kChain, envelope_signing_bytes(env)).bytes));
  EXPECT_EQ(code_of(pb::encode(wrong_domain)), pb::TX_BAD_SIGNATURE);
  pb::TxEnvelope short_sig = env;
  short_sig.set_signature(env.signature().substr(0, 63));
  EXPECT_EQ(code_of(pb::encode(short_sig)), pb::TX_BAD_SIGNATURE);
  pb::TxEnvelope changed = env;  // a field changed after signing
  changed.set_fee(env.fee() + 1);
  EXPECT_EQ(code_of(pb::encode(changed)), pb::TX_BAD_SIGNATURE);
}

TEST_F(TxCheckTest, RejectsBadSenderKey) {
  auto env = pb::decode_as<pb::TxEnvelope>(good()).value();
  env.set_sender(std::string(31, 'a'));
  EXPECT_EQ(code_of(pb::encode(env)), pb::TX_BAD_SENDER);
  env.set_sender(std::string(32, '\xff'));  // 32 bytes, but not a point's x coordinate
  EXPECT_EQ(code_of(pb::encode(env)), pb::TX_BAD_SENDER);
}

TEST_F(TxCheckTest, RejectsUnknownEnvelopeFields) {
  Bytes b = good();
  Bytes extra = b;
  extra.insert(extra.end(), {0x78, 0x01});  // field 15, varint 1: after the signature
  EXPECT_EQ(code_of(extra), pb::TX_MALFORMED);
}

TEST_F(TxCheckTest, RejectsFeeBelowFloor) {
  auto env = pb::decode_as<pb::TxEnvelope>(good()).value();
  env.set_fee(env.fee() - 1);
  EXPECT_EQ(code_of(resign(env)), pb::TX_FEE_TOO_LOW);
  env.set_fee(env.fee() + 1000);  // paying more is fine
  EXPECT_EQ(code_of(resign(env)), pb::OK);
}

TEST_F(TxCheckTest, RejectsNonCanonicalEncoding) {
  Bytes b = good();
  Bytes dup = b;  // the chain id field repeated: parses to the same envelope
  auto env = pb::decode_as<pb::TxEnvelope>(b).value();
  pb::TxEnvelope just_chain;
  just_chain.set_chain_id(env.chain_id());
  Bytes prefix = pb::encode(just_chain);
  dup.insert(dup.begin(), prefix.begin(), prefix.end());
  EXPECT_EQ(code_of(dup), pb::TX_MALFORMED);
}

TEST_F(TxCheckTest, RejectsMisshapenBodies) {
  auto bad = [&](pb::TxBody b) { return code_of(encode_tx(alice, kChain, 0, b, params)); };
  EXPECT_EQ(bad(pb::TxBody{}), pb::TX_BAD_BODY);
  pb::TxBody t = body::transfer(addr(user(1)), 0);
  EXPECT_EQ(bad(t), pb::TX_BAD_BODY);
  t.mutable_transfer()->set_amount(1);
  t.mutable_transfer()->set_to("short");
  EXPECT_EQ(bad(t), pb::TX_BAD_BODY);
  EXPECT_EQ(bad(body::unstake(pb::ROLE_UNSPECIFIED, 1)), pb::TX_BAD_BODY);
  EXPECT_EQ(bad(body::unjail(pb::ROLE_UNSPECIFIED)), pb::TX_BAD_BODY);
  pb::TxBody s = body::stake_validator(1, alice.public_key());
  s.mutable_stake()->set_consensus_pubkey(std::string(32, '\xff'));  // not on the curve
  EXPECT_EQ(bad(s), pb::TX_BAD_BODY);
  pb::TxBody w = body::stake_worker(1, {}, 0);
  w.mutable_stake()->add_models("short");
  EXPECT_EQ(bad(w), pb::TX_BAD_BODY);
  pb::TxBody req;
  req.mutable_inference_request()->set_model_id(std::string(32, 'm'));
  EXPECT_EQ(bad(req), pb::TX_BAD_BODY);  // max_fee 0
  pb::TxBody res;
  res.mutable_inference_result()->set_job_id(std::string(32, 'j'));
  EXPECT_EQ(bad(res), pb::TX_BAD_BODY);  // no proof
  pb::TxBody ch;
  ch.mutable_challenge()->set_job_id(std::string(32, 'j'));
  EXPECT_EQ(bad(ch), pb::TX_BAD_BODY);  // no answer, no fraud proof
  ch.mutable_challenge()->mutable_answer();
  EXPECT_EQ(bad(ch), pb::TX_BAD_BODY);  // no fraud proof
  pb::TxBody ev;
  ev.mutable_evidence();
  EXPECT_EQ(bad(ev), pb::TX_BAD_BODY);
  auto env = pb::decode_as<pb::TxEnvelope>(good()).value();
  env.set_body("\xff\xff");
  EXPECT_EQ(code_of(resign(env)), pb::TX_BAD_BODY);
}

TEST_F(TxCheckTest, OnlyVerifiedSignaturesAreCached) {
  Bytes b = good();
  ASSERT_TRUE(checker.check(b));
  EXPECT_EQ(cache->size(), 1u);
  ASSERT_TRUE(checker.check(b));  // the same tx again: answered from the cache
  EXPECT_EQ(cache->size(), 1u);
  auto env = pb::decode_as<pb::TxEnvelope>(b).value();
  std::string sig = env.signature();
  sig[0] ^= 1;
  env.set_signature(sig);
  Bytes forged = pb::encode(env);
  EXPECT_EQ(code_of(forged), pb::TX_BAD_SIGNATURE);
  EXPECT_EQ(cache->size(), 1u);  // failures are never cached
  TxChecker uncached(kChain, params, nullptr);
  EXPECT_EQ(uncached.check(forged).error().code, pb::TX_BAD_SIGNATURE);
  EXPECT_TRUE(uncached.check(b));
}

TEST(TxEnvelopeTest, MakeTxPaysExactlyTheFloorForItsSize) {
  pb::Params p = test_params();
  for (uint64_t amount : {1ull, 300ull, 1ull << 40}) {
    pb::TxEnvelope env = make_tx(user(0), kChain, 0, body::transfer(addr(user(1)), amount), p);
    EXPECT_EQ(env.fee(), min_fee(p, pb::encode(env).size()));
  }
  p.set_fee_per_byte(~0ull);
  EXPECT_EQ(min_fee(p, 10), ~0ull);  // saturates
}

}  // namespace
}  // namespace ghost::ledger
