#include <gtest/gtest.h>

#include "consensus/bft/commit.h"
#include "consensus/bft/evidence.h"
#include "tests/unit/bft/test_util.h"

namespace ghost::bft {
namespace {

using namespace testing;

struct CommitTest : ::testing::Test {
  ValidatorSet set = test_set({10, 10, 10, 10});
  Hash32 block = sha256(std::string_view("block"));
  pb::SignedVote precommit(size_t who, uint64_t h = 7, uint32_t r = 1, std::optional<Hash32> v = std::nullopt) {
    return sign_vote(test_key(who), make_vote(pb::PRECOMMIT, h, r, v.value_or(block), test_key(who).public_key()));
  }
  pb::Commit commit_of(std::vector<size_t> who) {
    std::vector<pb::SignedVote> pcs;
    for (size_t w : who) pcs.push_back(precommit(w));
    return make_commit(7, 1, block, pcs);
  }
};

TEST_F(CommitTest, AcceptsMoreThanTwoThirds) {
  EXPECT_TRUE(verify_commit(commit_of({0, 1, 2}), set, kChain));
  EXPECT_TRUE(verify_commit(commit_of({3, 1, 2, 0}), set, kChain));
}

TEST_F(CommitTest, RejectsEveryMalformedCommit) {
  EXPECT_FALSE(verify_commit(commit_of({0, 1}), set, kChain));      // 2/4 of the power
  EXPECT_FALSE(verify_commit(commit_of({0, 1, 1}), set, kChain));   // a validator twice
  EXPECT_FALSE(verify_commit(commit_of({0, 1, 2}), set, "other"));  // another chain's signatures
  EXPECT_FALSE(verify_commit(commit_of({0, 1, 2, 3, 0}), set, kChain));  // more entries than validators
  auto c = commit_of({0, 1, 2});
  *c.mutable_precommits(1) = precommit(1, 8);  // another height
  EXPECT_FALSE(verify_commit(c, set, kChain));
  c = commit_of({0, 1, 2});
  *c.mutable_precommits(1) = precommit(1, 7, 2);  // another round
  EXPECT_FALSE(verify_commit(c, set, kChain));
  c = commit_of({0, 1, 2});
  *c.mutable_precommits(1) = precommit(1, 7, 1, sha256(std::string_view("other")));
  EXPECT_FALSE(verify_commit(c, set, kChain));
  c = commit_of({0, 1, 2});
  c.mutable_precommits(1)->mutable_vote()->set_type(pb::PREVOTE);
  EXPECT_FALSE(verify_commit(c, set, kChain));
  c = commit_of({0, 1, 2});
  std::string sig = c.precommits(2).signature();
  sig[5] ^= 1;
  c.mutable_precommits(2)->set_signature(sig);
  EXPECT_FALSE(verify_commit(c, set, kChain));
  c = commit_of({0, 1, 2});
  *c.mutable_precommits(2) = sign_vote(test_key(9), make_vote(pb::PRECOMMIT, 7, 1, block, test_key(9).public_key()));
  EXPECT_FALSE(verify_commit(c, set, kChain));  // not a validator
  c = commit_of({0, 1, 2});
  c.set_block_hash("short");
  EXPECT_FALSE(verify_commit(c, set, kChain));
}

TEST_F(CommitTest, SigCacheNeverAcceptsWhatVerificationRejects) {
  SigCache cache(4);
  auto good = commit_of({0, 1, 2});
  EXPECT_TRUE(verify_commit(good, set, kChain, &cache));
  EXPECT_TRUE(verify_commit(good, set, kChain, &cache));
  auto bad = good;
  std::string sig = bad.precommits(0).signature();
  sig[0] ^= 1;
  bad.mutable_precommits(0)->set_signature(sig);
  EXPECT_FALSE(verify_commit(bad, set, kChain, &cache));
  EXPECT_LE(cache.size(), 4u);
}

TEST_F(CommitTest, EvidenceOfDuplicateVotes) {
  auto a = precommit(2, 7, 1, block);
  auto b = precommit(2, 7, 1, sha256(std::string_view("other")));
  pb::Evidence ev = make_evidence(a, b);
  EXPECT_EQ(pb::encode(ev), pb::encode(make_evidence(b, a)));  // order-independent
  EXPECT_EQ(*verify_evidence(ev, set, kChain), *set.index_of(test_key(2).public_key()));

  pb::Evidence same = make_evidence(a, a);
  EXPECT_FALSE(verify_evidence(same, set, kChain));
  EXPECT_FALSE(verify_evidence(make_evidence(a, precommit(3, 7, 1, sha256(std::string_view("x")))), set, kChain));
  EXPECT_FALSE(verify_evidence(make_evidence(a, precommit(2, 7, 2, sha256(std::string_view("x")))), set, kChain));
  auto prevote = sign_vote(test_key(2), make_vote(pb::PREVOTE, 7, 1, std::nullopt, test_key(2).public_key()));
  EXPECT_FALSE(verify_evidence(make_evidence(a, prevote), set, kChain));
  pb::Evidence swapped = ev;
  std::swap(*swapped.mutable_vote_a(), *swapped.mutable_vote_b());
  EXPECT_FALSE(verify_evidence(swapped, set, kChain));
  pb::Evidence forged = ev;
  forged.mutable_vote_b()->set_signature(std::string(64, '\1'));
  EXPECT_FALSE(verify_evidence(forged, set, kChain));
}

}  // namespace
}  // namespace ghost::bft
