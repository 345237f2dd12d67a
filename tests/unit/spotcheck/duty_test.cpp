// Which validator challenges a sampled fault, and when (node/spotcheck/duty.h): one ranked first
// per answer, the others as backups in turn, each skipping a job already challenged.
#include <gtest/gtest.h>

#include <map>

#include "consensus/ledger/params.h"
#include "consensus/ledger/tx.h"
#include "node/spotcheck/duty.h"
#include "tests/unit/ledger/testkit.h"

namespace ghost::spotcheck {
namespace {

Address address_of(int i) {
  Address a;
  a.bytes.fill(uint8_t(i + 1));
  return a;
}

pb::ValidatorSet set_of(int n) {
  pb::ValidatorSet set;
  for (int i = 0; i < n; ++i) {
    auto* v = set.add_validators();
    v->set_operator_(ledger::testkit::str(address_of(i)));
    v->set_power(1);
  }
  return set;
}

Hash32 hash_of(const std::string& s) { return Sha256().update(as_bytes(s)).final(); }

TEST(ChallengerRank, EveryAnswerRanksTheSetOnce) {
  const pb::ValidatorSet set = set_of(7);
  for (int j = 0; j < 50; ++j) {
    std::set<uint32_t> ranks;
    for (int i = 0; i < 7; ++i) ranks.insert(challenger_rank(hash_of("block"), hash_of(std::to_string(j)), set, address_of(i)));
    EXPECT_EQ(ranks, (std::set<uint32_t>{0, 1, 2, 3, 4, 5, 6})) << "job " << j;
  }
}

TEST(ChallengerRank, TheFirstTurnIsSpreadOverTheValidators) {
  const pb::ValidatorSet set = set_of(4);
  std::map<int, int> firsts;
  for (int j = 0; j < 4'000; ++j)
    for (int i = 0; i < 4; ++i)
      if (challenger_rank(hash_of(std::to_string(j)), hash_of("j"), set, address_of(i)) == 0) ++firsts[i];
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(firsts[i], 1'000, 120) << "validator " << i;  // sd ~27
}

TEST(ChallengerRank, ItIsTheOrderOfTheHashes) {
  const pb::ValidatorSet set = set_of(3);
  const Hash32 b = hash_of("b"), j = hash_of("j");
  std::vector<std::pair<Hash32, int>> keys;
  for (int i = 0; i < 3; ++i) {
    const Address a = address_of(i);
    keys.push_back({Sha256().update(b.span()).update(j.span()).update(a.bytes).final(), i});
  }
  std::sort(keys.begin(), keys.end());
  for (uint32_t r = 0; r < 3; ++r) EXPECT_EQ(challenger_rank(b, j, set, address_of(keys[r].second)), r);
}

TEST(ChallengerRank, ANonMemberComesAfterTheSet) {
  EXPECT_EQ(challenger_rank(hash_of("b"), hash_of("j"), set_of(5), address_of(9)), 5u);
  EXPECT_EQ(challenger_rank(hash_of("b"), hash_of("j"), set_of(0), address_of(0)), 0u);
}

TEST(ChallengeDuty, RankRWaitsRTurns) {
  EXPECT_EQ(due_height(100, 0), 100u);
  EXPECT_EQ(due_height(100, 3), 100u + 3 * kBackupBlocks);
  EXPECT_EQ(challenge_duty(99, 100, true, false), Duty::wait);
  EXPECT_EQ(challenge_duty(100, 100, true, false), Duty::submit);
  EXPECT_EQ(challenge_duty(150, 100, true, false), Duty::submit) << "found after its turn: at once";
}

TEST(ChallengeDuty, AClosedJobIsDroppedAndAPendingChallengeWaitedOn) {
  EXPECT_EQ(challenge_duty(100, 100, false, false), Duty::drop);
  EXPECT_EQ(challenge_duty(90, 100, false, false), Duty::drop);
  EXPECT_EQ(challenge_duty(100, 100, true, true), Duty::wait) << "another's challenge may still fail to land";
}

TEST(ChallengedJobs, OnlyChallengeTxsNameTheirJobs) {
  using namespace ledger::testkit;
  const Hash32 job = hash_of("job");
  pb::TxBody challenge;
  challenge.mutable_challenge()->set_job_id(str(job.span()));
  pb::TxBody transfer = body::transfer(addr(user(1)), 5);
  auto tx = [](uint64_t nonce, const pb::TxBody& b) {
    return ledger::encode_tx(user(0), "chain", nonce, b, ledger::default_params());
  };
  const std::vector<Bytes> pending{tx(0, challenge), tx(1, transfer), Bytes{1, 2, 3}};
  EXPECT_EQ(challenged_jobs(pending), std::set<Hash32>{job});
  EXPECT_TRUE(challenged_jobs({}).empty());
}

}  // namespace
}  // namespace ghost::spotcheck
