// Double-sign evidence: slashing, jailing, leaving the set, unjail (consensus/ledger.h).
#include <gtest/gtest.h>

#include "tests/unit/ledger/testkit.h"

namespace ghost::ledger {
namespace {

using namespace testkit;

pb::SignedVote signed_vote(const PrivateKey& key, uint64_t height, uint32_t round, const std::string& block_hash,
                           pb::VoteType type = pb::PRECOMMIT, std::string chain = kChain) {
  pb::SignedVote sv;
  auto* v = sv.mutable_vote();
  v->set_type(type);
  v->set_height(height);
  v->set_round(round);
  v->set_block_hash(block_hash);
  v->set_validator(str(key.public_key()));
  sv.set_signature(str(key.sign(SignDomain::kVote, chain, pb::encode(*v)).bytes));
  return sv;
}

pb::TxBody evidence(const pb::SignedVote& a, const pb::SignedVote& b) {
  pb::TxBody body;
  *body.mutable_evidence()->mutable_vote_a() = a;
  *body.mutable_evidence()->mutable_vote_b() = b;
  return body;
}

const std::string kHashA(32, 'a'), kHashB(32, 'b');

TEST(LedgerEvidenceTest, DoubleSignIsSlashedJailedAndRemoved) {
  Chain c;
  c.block();
  c.block();
  PrivateKey cons = consensus_key(1);
  PrivateKey op = validator_op(1);  // 2000 GC
  // Some stake is unbonding: slashing reaches it too.
  ASSERT_EQ(c.run(op, body::unstake(pb::VALIDATOR, 1000 * GC)).status(), pb::OK);
  uint64_t burned0 = c.ledger().supply().burned();
  auto res = c.block({c.tx(user(4), evidence(signed_vote(cons, 2, 0, kHashA), signed_vote(cons, 2, 0, kHashB)))});
  ASSERT_EQ(res.receipts[0].status(), pb::OK) << res.receipts[0].reason();
  auto s = c.ledger().stake(pb::VALIDATOR, addr(op));
  EXPECT_EQ(s->bonded(), 950 * GC);  // 5%
  EXPECT_EQ(s->unbonding(0).amount(), 950 * GC);
  EXPECT_EQ(s->slashed(), 100 * GC);
  EXPECT_TRUE(s->jailed());
  EXPECT_EQ(c.ledger().supply().burned(), burned0 + 100 * GC);
  ASSERT_TRUE(res.validator_set);  // removed at once, not at the epoch
  EXPECT_EQ(res.validator_set->validators_size(), 3);
  for (const auto& v : res.validator_set->validators()) EXPECT_NE(v.consensus_pubkey(), str(cons.public_key()));
  expect_supply_conserved(c.ledger());

  // The same double-sign again (either order, nil vote too) is a duplicate.
  EXPECT_EQ(c.run(user(4), evidence(signed_vote(cons, 2, 0, kHashB), signed_vote(cons, 2, 0, ""))).status(),
            pb::DUPLICATE_EVIDENCE);
  // Unjail: too early, then after jail_blocks; stake must be at least the minimum.
  EXPECT_EQ(c.run(op, body::unjail(pb::VALIDATOR)).status(), pb::STILL_JAILED);
  while (c.ledger().height() < s->unjail_height()) c.block();
  EXPECT_EQ(c.run(op, body::unjail(pb::VALIDATOR)).status(), pb::BELOW_MIN_STAKE);
  ASSERT_EQ(c.run(op, body::stake_validator(50 * GC, cons.public_key())).status(), pb::OK);
  EXPECT_EQ(c.run(op, body::unjail(pb::VALIDATOR)).status(), pb::OK);
  EXPECT_EQ(c.run(op, body::unjail(pb::VALIDATOR)).status(), pb::NOT_JAILED);
  EXPECT_EQ(c.run(user(0), body::unjail(pb::VALIDATOR)).status(), pb::NO_STAKE);
  while (c.ledger().height() % 5 != 0) c.block();
  EXPECT_EQ(c.ledger().validator_set().validators_size(), 4);
  expect_supply_conserved(c.ledger());
}

TEST(LedgerEvidenceTest, RejectsEachKindOfBadEvidence) {
  Chain c;
  for (int i = 0; i < 3; ++i) c.block();
  PrivateKey cons = consensus_key(0);
  auto code = [&](const pb::SignedVote& a, const pb::SignedVote& b) { return c.run(user(4), evidence(a, b)).status(); };
  // Votes at the latest committed height: always recent enough.
  auto vote = [&](const PrivateKey& k, const std::string& hash, uint32_t round = 0, pb::VoteType type = pb::PRECOMMIT,
                  std::string chain = kChain) { return signed_vote(k, c.ledger().height(), round, hash, type, chain); };
  EXPECT_EQ(code(vote(cons, kHashA), vote(cons, kHashA)), pb::BAD_EVIDENCE);                     // same block
  EXPECT_EQ(code(vote(cons, kHashA), vote(cons, kHashB, 1)), pb::BAD_EVIDENCE);                  // other round
  EXPECT_EQ(code(vote(cons, kHashA), signed_vote(cons, 1, 0, kHashB)), pb::BAD_EVIDENCE);        // other height
  EXPECT_EQ(code(vote(cons, kHashA), vote(cons, kHashB, 0, pb::PREVOTE)), pb::BAD_EVIDENCE);     // other type
  EXPECT_EQ(code(vote(cons, kHashA), vote(consensus_key(1), kHashB)), pb::BAD_EVIDENCE);         // other validator
  EXPECT_EQ(code(vote(cons, kHashA), vote(cons, kHashB, 0, pb::PRECOMMIT, "other")), pb::BAD_EVIDENCE);  // chain
  EXPECT_EQ(code(signed_vote(cons, 1000, 0, kHashA), signed_vote(cons, 1000, 0, kHashB)), pb::BAD_EVIDENCE);  // future
  EXPECT_EQ(code(vote(cons, kHashA), vote(cons, "short")), pb::BAD_EVIDENCE);
  EXPECT_EQ(code(vote(cons, kHashA, 0, pb::VOTE_UNSPECIFIED), vote(cons, kHashB, 0, pb::VOTE_UNSPECIFIED)),
            pb::BAD_EVIDENCE);
  auto forged = vote(cons, kHashB);
  forged.mutable_vote()->set_block_hash(std::string(32, 'c'));  // the signature no longer matches
  EXPECT_EQ(code(vote(cons, kHashA), forged), pb::BAD_EVIDENCE);
  PrivateKey stranger = PrivateKey::from_seed("not a validator");
  EXPECT_EQ(code(vote(stranger, kHashA), vote(stranger, kHashB)), pb::UNKNOWN_VALIDATOR);
  auto old_a = signed_vote(cons, 2, 0, kHashA), old_b = signed_vote(cons, 2, 0, kHashB);
  while (c.ledger().height() < 2 + 10) c.block();  // evidence_max_age_blocks = 10
  EXPECT_EQ(code(old_a, old_b), pb::EVIDENCE_TOO_OLD);
  EXPECT_FALSE(c.ledger().stake(pb::VALIDATOR, addr(validator_op(0)))->jailed());
  EXPECT_EQ(c.ledger().stake(pb::VALIDATOR, addr(validator_op(0)))->slashed(), 0u);
  // The same pair one block earlier would have been punished: the age bound is exact.
  Chain fresh;
  while (fresh.ledger().height() < 2 + 10 - 1) fresh.block();
  EXPECT_EQ(fresh.run(user(4), evidence(old_a, old_b)).status(), pb::OK);
}

}  // namespace
}  // namespace ghost::ledger
