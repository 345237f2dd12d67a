// The engine alone, driven input by input against Algorithm 1's rules.
#include <gtest/gtest.h>

#include "consensus/bft/engine.h"
#include "consensus/bft/commit.h"
#include "consensus/bft/evidence.h"
#include "tests/unit/bft/test_util.h"

namespace ghost::bft {
namespace {

using namespace testing;

class FakeApp : public BftApp {
 public:
  std::map<uint64_t, ValidatorSet> sets;
  std::string tag = "mine";
  const ValidatorSet& validators(uint64_t h) override {
    if (!sets.contains(h)) sets[h] = test_set({10, 10, 10, 10});
    return sets[h];
  }
  pb::Block propose_block(uint64_t h, uint32_t r) override { return block(h, tag + std::to_string(r)); }
  Hash32 block_hash(const pb::Block& b) override { return sha256(pb::encode(b)); }
  static pb::Block block(uint64_t h, const std::string& tx) {
    pb::Block b;
    b.mutable_header()->set_height(h);
    b.add_txs(tx);
    return b;
  }
};

// What my_vote() returns for a nil vote and for a vote for h.
const std::optional<VoteValue> kNil{std::in_place};
std::optional<VoteValue> voted(const Hash32& h) { return std::optional<VoteValue>{std::in_place, h}; }

template <class T>
std::vector<T> all(const std::vector<Output>& outs) {
  std::vector<T> r;
  for (const auto& o : outs)
    if (auto* t = std::get_if<T>(&o)) r.push_back(*t);
  return r;
}

struct EngineTest : ::testing::Test {
  FakeApp app;
  MemoryStore store;
  ValidatorSet set = app.validators(1);
  std::optional<Signer> signer;
  std::unique_ptr<Engine> engine;
  size_t me = SIZE_MAX;  // validator index (canonical order) this engine signs for
  Hash32 v, w;

  // An engine for a validator that does not propose in rounds 0, 1 and 2 (with four equal
  // powers the first four rounds have four different proposers, so there is one).
  void SetUp() override { make(); }
  void make() {
    me = SIZE_MAX;
    for (size_t i = 0; i < set.size(); ++i)
      if (i != proposer_for_round(set, 0) && i != proposer_for_round(set, 1) && i != proposer_for_round(set, 2)) me = i;
    ASSERT_NE(me, SIZE_MAX) << "every validator proposes in one of rounds 0-2";
    signer.emplace(*Signer::open(key_of(me), kChain, store, "signer"));
    EngineConfig cfg;
    cfg.chain_id = kChain;
    engine = std::make_unique<Engine>(cfg, app, &*signer);
    v = app.block_hash(FakeApp::block(1, "v"));
    w = app.block_hash(FakeApp::block(1, "w"));
  }
  PrivateKey key_of(size_t index) {
    for (size_t k = 0; k < 10; ++k)
      if (test_key(k).public_key() == set.validators()[index].key) return test_key(k);
    throw std::logic_error("no key");
  }
  pb::SignedProposal proposal(uint32_t round, const std::string& tx, int32_t pol = -1) {
    size_t p = proposer_for_round(set, round);
    pb::Block b = FakeApp::block(1, tx);
    Hash32 h = app.block_hash(b);
    pb::SignedProposal sp;
    auto* pr = sp.mutable_proposal();
    pr->set_height(1), pr->set_round(round), pr->set_pol_round(pol), pr->set_block_hash(h.data(), 32);
    pr->set_proposer(key_str(set.validators()[p].key));
    Signature s = key_of(p).sign(SignDomain::kProposal, kChain, pb::encode(*pr));
    sp.set_signature(s.bytes.data(), 64);
    *sp.mutable_block() = b;
    return sp;
  }
  pb::SignedVote vote(size_t who, pb::VoteType t, uint32_t round, std::optional<Hash32> value) {
    return sign_vote(key_of(who), make_vote(t, 1, round, value, set.validators()[who].key));
  }
  std::vector<size_t> others() {
    std::vector<size_t> o;
    for (size_t i = 0; i < set.size(); ++i)
      if (i != me) o.push_back(i);
    return o;
  }
  // Proposal of `tx` in `round`, validated; returns the engine's outputs.
  std::vector<Output> propose_and_validate(uint32_t round, const std::string& tx, bool valid = true, int32_t pol = -1) {
    auto out = engine->step(proposal(round, tx, pol));
    auto req = all<ValidateBlock>(out);
    if (req.empty()) return out;
    return engine->step(BlockValidated{1, req[0].block_hash, valid});
  }
  std::optional<VoteValue> my_vote(const std::vector<Output>& out, pb::VoteType t) {
    for (const auto& b : all<BroadcastVote>(out))
      if (b.vote.vote().type() == t) return *vote_value(b.vote.vote());
    return std::nullopt;
  }
};

TEST_F(EngineTest, DecidesWithTwoThirdsAndMovesToTheNextHeight) {
  auto out = engine->start(1);
  auto t = all<ScheduleTimeout>(out);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].event.kind, TimeoutKind::kPropose);
  EXPECT_EQ(t[0].delay_ms, 1000u);
  EXPECT_TRUE(all<BroadcastVote>(out).empty());

  out = propose_and_validate(0, "v");
  EXPECT_EQ(my_vote(out, pb::PREVOTE), voted(v));
  auto o = others();
  out = engine->step(vote(o[0], pb::PREVOTE, 0, v));
  EXPECT_FALSE(my_vote(out, pb::PRECOMMIT));  // 2 of 4: no polka yet
  out = engine->step(vote(o[1], pb::PREVOTE, 0, v));
  EXPECT_EQ(my_vote(out, pb::PRECOMMIT), voted(v));
  EXPECT_EQ(engine->locked_value(), VoteValue{v});
  EXPECT_EQ(engine->locked_round(), 0);
  out = engine->step(vote(o[0], pb::PRECOMMIT, 0, v));
  EXPECT_TRUE(all<Decision>(out).empty());
  out = engine->step(vote(o[2], pb::PRECOMMIT, 0, v));
  auto d = all<Decision>(out);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0].height, 1u);
  EXPECT_EQ(app.block_hash(d[0].block), v);
  EXPECT_TRUE(verify_commit(d[0].commit, set, kChain));
  EXPECT_TRUE(engine->decided());
  auto commit_wait = all<ScheduleTimeout>(out);
  ASSERT_EQ(commit_wait.size(), 1u);
  EXPECT_EQ(commit_wait[0].event.kind, TimeoutKind::kCommit);
  engine->step(commit_wait[0].event);
  EXPECT_EQ(engine->height(), 2u);
  EXPECT_EQ(engine->round(), 0u);
  EXPECT_FALSE(engine->locked_value());
}

TEST_F(EngineTest, InvalidOrLateProposalsGetNilPrevotes) {
  engine->start(1);
  auto out = propose_and_validate(0, "bad", false);
  EXPECT_EQ(my_vote(out, pb::PREVOTE), kNil);
  store.files.clear();
  make();
  engine->start(1);
  out = engine->step(TimeoutEvent{1, 0, TimeoutKind::kPropose});
  EXPECT_EQ(my_vote(out, pb::PREVOTE), kNil);
  out = engine->step(TimeoutEvent{1, 0, TimeoutKind::kPropose});  // fires once only
  EXPECT_TRUE(all<BroadcastVote>(out).empty());
}

// Lines 22-28: once locked on v in round 0, a new value in round 1 gets a nil prevote unless
// its proposal names a polka round at or after the lock.
TEST_F(EngineTest, LockedValidatorOnlyUnlocksOnANewerPolka) {
  engine->start(1);
  propose_and_validate(0, "v");
  auto o = others();
  engine->step(vote(o[0], pb::PREVOTE, 0, v));
  engine->step(vote(o[1], pb::PREVOTE, 0, v));
  ASSERT_EQ(engine->locked_value(), VoteValue{v});
  engine->step(vote(o[0], pb::PRECOMMIT, 0, std::nullopt));
  auto out = engine->step(vote(o[1], pb::PRECOMMIT, 0, std::nullopt));
  auto t = all<ScheduleTimeout>(out);
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].event.kind, TimeoutKind::kPrecommit);
  out = engine->step(t[0].event);
  ASSERT_EQ(engine->round(), 1u);
  EXPECT_EQ(all<ScheduleTimeout>(out)[0].delay_ms, 1500u);  // timeouts grow per round
  out = propose_and_validate(1, "w");
  EXPECT_EQ(my_vote(out, pb::PREVOTE), kNil);

  // Round 2 re-proposes w with a polka from round 1 (after the lock): now it is accepted.
  for (size_t i : o) engine->step(vote(i, pb::PREVOTE, 1, w));
  for (size_t i : o) engine->step(vote(i, pb::PRECOMMIT, 1, std::nullopt));
  ASSERT_EQ(engine->round(), 1u);
  engine->step(TimeoutEvent{1, 1, TimeoutKind::kPrecommit});
  ASSERT_EQ(engine->round(), 2u);
  ASSERT_NE(proposer_for_round(set, 2), me);  // the setup picked a validator that does not propose here
  out = propose_and_validate(2, "w", true, 1);
  EXPECT_EQ(my_vote(out, pb::PREVOTE), voted(w));
}

// Line 55: f+1 power in a later round makes a late validator jump there.
// An equivocating proposer's second proposal still counts for lines 36 and 49 (found by
// replaying the Tendermint spec's traces, tests/conformance): the engine prevotes the first
// one it can judge, then locks and decides the other value once it has its polka and commit.
TEST_F(EngineTest, EquivocatingProposersOtherValueStillLocksAndDecides) {
  engine->start(1);
  auto out = propose_and_validate(0, "w");
  EXPECT_EQ(my_vote(out, pb::PREVOTE), voted(w));
  out = propose_and_validate(0, "v");
  EXPECT_FALSE(my_vote(out, pb::PREVOTE));  // already prevoted this round
  auto o = others();
  engine->step(vote(o[0], pb::PREVOTE, 0, v));
  engine->step(vote(o[1], pb::PREVOTE, 0, v));
  out = engine->step(vote(o[2], pb::PREVOTE, 0, v));
  EXPECT_EQ(my_vote(out, pb::PRECOMMIT), voted(v));
  EXPECT_EQ(engine->locked_value(), VoteValue{v});
  EXPECT_EQ(engine->valid_value(), VoteValue{v});
  EXPECT_EQ(engine->valid_round(), 0);
  engine->step(vote(o[0], pb::PRECOMMIT, 0, v));
  out = engine->step(vote(o[1], pb::PRECOMMIT, 0, v));  // with its own: 3 of 4
  auto d = all<Decision>(out);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(app.block_hash(d[0].block), v);

  // The proposals kept per round are bounded: a fifth value is dropped unseen.
  make();
  engine->start(1);
  for (const char* tx : {"a", "b", "c", "d"}) EXPECT_EQ(all<ValidateBlock>(engine->step(proposal(0, tx))).size(), 1u);
  EXPECT_TRUE(all<ValidateBlock>(engine->step(proposal(0, "e"))).empty());
  EXPECT_TRUE(all<ValidateBlock>(engine->step(proposal(0, "a"))).empty());  // and a repeat is not new
}

TEST_F(EngineTest, SkipsToARoundWithMoreThanAThirdOfThePower) {
  engine->start(1);
  auto o = others();
  engine->step(vote(o[0], pb::PREVOTE, 5, std::nullopt));
  EXPECT_EQ(engine->round(), 0u);  // 1/4 of the power is not enough
  auto out = engine->step(vote(o[1], pb::PRECOMMIT, 5, std::nullopt));
  EXPECT_EQ(engine->round(), 5u);
  auto t = all<ScheduleTimeout>(out);
  ASSERT_FALSE(t.empty());
  EXPECT_EQ(t[0].delay_ms, 1000u + 5 * 500u);
}

TEST_F(EngineTest, ConflictingVotesBecomeEvidenceOnce) {
  engine->start(1);
  auto o = others();
  engine->step(vote(o[0], pb::PREVOTE, 0, v));
  auto out = engine->step(vote(o[0], pb::PREVOTE, 0, w));
  auto ev = all<EvidenceFound>(out);
  ASSERT_EQ(ev.size(), 1u);
  EXPECT_EQ(*verify_evidence(ev[0].evidence, set, kChain), o[0]);
  EXPECT_TRUE(all<EvidenceFound>(engine->step(vote(o[0], pb::PREVOTE, 0, std::nullopt))).empty());
  EXPECT_TRUE(all<EvidenceFound>(engine->step(vote(o[0], pb::PREVOTE, 0, w))).empty());
}

TEST_F(EngineTest, IgnoresBadMessagesWithoutChangingState) {
  engine->start(1);
  auto o = others();
  auto forged = vote(o[0], pb::PREVOTE, 3, v);
  forged.mutable_vote()->set_round(4);  // signature no longer matches
  auto outsider = sign_vote(test_key(9), make_vote(pb::PREVOTE, 1, 4, v, test_key(9).public_key()));
  auto other_chain = vote(o[1], pb::PREVOTE, 4, v);
  Signature s = key_of(o[1]).sign(SignDomain::kVote, "other-chain", pb::encode(other_chain.vote()));
  other_chain.set_signature(s.bytes.data(), 64);
  auto as_proposal = vote(o[1], pb::PREVOTE, 4, v);  // a proposal-domain signature on a vote
  s = key_of(o[1]).sign(SignDomain::kProposal, kChain, pb::encode(as_proposal.vote()));
  as_proposal.set_signature(s.bytes.data(), 64);
  auto bad_type = vote(o[1], pb::VOTE_UNSPECIFIED, 4, v);
  auto bad_proposer = proposal(0, "v");
  bad_proposer.mutable_proposal()->set_round(1);  // not this round's proposer's signature
  auto wrong_block = proposal(0, "v");
  wrong_block.mutable_block()->add_txs("extra");
  for (const Input& in : std::vector<Input>{forged, outsider, other_chain, as_proposal, bad_type, bad_proposer, wrong_block}) {
    auto out = engine->step(in);
    EXPECT_TRUE(out.empty());
  }
  // Those four "round 4" votes would have been enough to skip rounds had they counted.
  EXPECT_EQ(engine->round(), 0u);
  EXPECT_TRUE(signer->last().empty());
}

TEST_F(EngineTest, FollowerDecidesWithoutSigning) {
  EngineConfig cfg;
  cfg.chain_id = kChain;
  Engine follower(cfg, app, nullptr);
  follower.start(1);
  follower.step(proposal(0, "v"));
  follower.step(BlockValidated{1, v, true});
  for (size_t i = 0; i < 3; ++i) EXPECT_TRUE(all<BroadcastVote>(follower.step(vote(i, pb::PREVOTE, 0, v))).empty());
  std::vector<Output> out;
  for (size_t i = 0; i < 3; ++i) out = follower.step(vote(i, pb::PRECOMMIT, 0, v));
  EXPECT_EQ(all<Decision>(out).size(), 1u);
}

TEST_F(EngineTest, SyncedBlockNeedsAValidCommit) {
  engine->start(1);
  pb::Block b = FakeApp::block(1, "v");
  std::vector<pb::SignedVote> pcs;
  for (size_t i = 0; i < 2; ++i) pcs.push_back(vote(i, pb::PRECOMMIT, 3, v));
  EXPECT_TRUE(all<Decision>(engine->step(SyncedBlock{b, make_commit(1, 3, v, pcs)})).empty());  // 2/4
  pcs.push_back(vote(2, pb::PRECOMMIT, 3, v));
  EXPECT_TRUE(all<Decision>(engine->step(SyncedBlock{FakeApp::block(1, "w"), make_commit(1, 3, v, pcs)})).empty());
  auto out = engine->step(SyncedBlock{b, make_commit(1, 3, v, pcs)});
  ASSERT_EQ(all<Decision>(out).size(), 1u);
  EXPECT_EQ(all<ScheduleTimeout>(out)[0].delay_ms, 0u);  // nothing to wait for
}

TEST(BftTimeouts, GrowPerRound) {
  Timeouts t;
  EXPECT_EQ(t.delay(TimeoutKind::kPropose, 0), 1000u);
  EXPECT_EQ(t.delay(TimeoutKind::kPrevote, 2), 1500u);
  EXPECT_EQ(t.delay(TimeoutKind::kPrecommit, 3), 2000u);
  EXPECT_EQ(t.delay(TimeoutKind::kCommit, 9), 500u);
}

}  // namespace
}  // namespace ghost::bft
