#include <gtest/gtest.h>

#include "consensus/bft/signer.h"
#include "tests/unit/bft/test_util.h"

namespace ghost::bft {
namespace {

using namespace testing;

struct SignerTest : ::testing::Test {
  MemoryStore store;
  PrivateKey key = test_key(0);
  Signer open() { return *Signer::open(key, kChain, store, "signer"); }
  pb::Vote vote(pb::VoteType t, uint64_t h, uint32_t r, uint8_t v) {
    Hash32 value;
    value.bytes[0] = v;
    return make_vote(t, h, r, v ? std::optional{value} : std::nullopt, key.public_key());
  }
};

TEST_F(SignerTest, SignsVerifiablyAndPersistsBeforeReleasing) {
  Signer s = open();
  auto sv = s.sign_vote(vote(pb::PREVOTE, 5, 0, 1));
  ASSERT_TRUE(sv);
  auto set = test_set({10, 10, 10});
  EXPECT_TRUE(verify_vote(*sv, set, kChain));
  EXPECT_FALSE(verify_vote(*sv, set, "other-chain"));
  auto st = Signer::decode_state(store.files.at("signer"));
  ASSERT_TRUE(st);
  EXPECT_EQ(st->height, 5u);
  EXPECT_EQ(st->step, Step::kPrevote);
  EXPECT_TRUE(same_bytes(st->signature.bytes, sv->signature()));
}

TEST_F(SignerTest, SameRequestSameSignatureConflictRefused) {
  Signer s = open();
  auto a = s.sign_vote(vote(pb::PREVOTE, 5, 2, 1));
  auto again = s.sign_vote(vote(pb::PREVOTE, 5, 2, 1));
  ASSERT_TRUE(a && again);
  EXPECT_EQ(a->signature(), again->signature());
  Bytes before = store.files.at("signer");
  auto refused = [&](Result<pb::SignedVote> r) { return !r && r.error().code == Errc::kDenied; };
  EXPECT_TRUE(refused(s.sign_vote(vote(pb::PREVOTE, 5, 2, 0))));  // nil instead of the block
  EXPECT_TRUE(refused(s.sign_vote(vote(pb::PREVOTE, 5, 2, 2))));  // another block
  EXPECT_TRUE(refused(s.sign_vote(vote(pb::PREVOTE, 5, 1, 1))));  // an earlier round
  EXPECT_TRUE(refused(s.sign_vote(vote(pb::PREVOTE, 4, 9, 1))));  // an earlier height
  pb::Proposal p;
  p.set_height(5), p.set_round(2), p.set_pol_round(-1), p.set_block_hash(std::string(32, 'x'));
  EXPECT_FALSE(s.sign_proposal(p));  // propose comes before prevote in a round
  EXPECT_EQ(store.files.at("signer"), before);  // refusals change nothing
  EXPECT_TRUE(s.sign_vote(vote(pb::PRECOMMIT, 5, 2, 0)));
  EXPECT_TRUE(s.sign_vote(vote(pb::PREVOTE, 5, 3, 2)));
}

// One engine step may sign a prevote and a precommit before either is logged; after a
// crash the replay asks for the prevote again and must get the same signature back.
TEST_F(SignerTest, EarlierMessagesOfTheHeightAreReturnedNotReSigned) {
  std::string pv, pc;
  {
    Signer s = open();
    pv = s.sign_vote(vote(pb::PREVOTE, 8, 0, 1))->signature();
    pc = s.sign_vote(vote(pb::PRECOMMIT, 8, 0, 1))->signature();
  }
  Signer s = open();
  EXPECT_EQ(s.sign_vote(vote(pb::PREVOTE, 8, 0, 1))->signature(), pv);
  EXPECT_EQ(s.sign_vote(vote(pb::PRECOMMIT, 8, 0, 1))->signature(), pc);
  EXPECT_FALSE(s.sign_vote(vote(pb::PREVOTE, 8, 0, 0)));  // different, at an earlier position
  EXPECT_TRUE(s.sign_vote(vote(pb::PREVOTE, 9, 0, 1)));
  EXPECT_FALSE(s.sign_vote(vote(pb::PREVOTE, 8, 0, 1)));  // a new height forgets the old one
}

TEST_F(SignerTest, RestartRemembersWhatWasSigned) {
  std::string sig;
  {
    Signer s = open();
    sig = s.sign_vote(vote(pb::PRECOMMIT, 9, 1, 3))->signature();
  }
  Signer s = open();
  EXPECT_EQ(s.sign_vote(vote(pb::PRECOMMIT, 9, 1, 3))->signature(), sig);
  EXPECT_FALSE(s.sign_vote(vote(pb::PRECOMMIT, 9, 1, 4)));
  EXPECT_FALSE(s.sign_vote(vote(pb::PREVOTE, 9, 1, 3)));
}

TEST_F(SignerTest, NoSignatureWhenPersistingFails) {
  Signer s = open();
  store.fail_writes = true;
  EXPECT_FALSE(s.sign_vote(vote(pb::PREVOTE, 1, 0, 1)));
  store.fail_writes = false;
  EXPECT_FALSE(store.files.contains("signer"));
  EXPECT_TRUE(s.last().empty());
}

TEST_F(SignerTest, CorruptStateRefusesToStart) {
  { open().sign_vote(vote(pb::PREVOTE, 1, 0, 1)); }
  Bytes good = store.files.at("signer");
  for (size_t i = 0; i < good.size(); ++i) {
    store.files["signer"] = good;
    store.files["signer"][i] ^= 0x20;
    auto s = Signer::open(key, kChain, store, "signer");
    ASSERT_FALSE(s) << "flipped byte " << i;
    EXPECT_EQ(s.error().code, Errc::kCorrupt) << s.error().message;
  }
  store.files["signer"] = Bytes(good.begin(), good.end() - 1);
  EXPECT_FALSE(Signer::open(key, kChain, store, "signer"));
  store.files["signer"] = good;
  EXPECT_TRUE(Signer::open(key, kChain, store, "signer"));
}

TEST_F(SignerTest, RejectsUnsignableVotes) {
  Signer s = open();
  pb::Vote v = vote(pb::PREVOTE, 1, 0, 1);
  v.set_type(pb::VOTE_UNSPECIFIED);
  EXPECT_FALSE(s.sign_vote(v));
  EXPECT_TRUE(s.last().empty());
}

}  // namespace
}  // namespace ghost::bft
