#include <gtest/gtest.h>

#include <random>

#include "consensus/bft/proposer.h"
#include "tests/unit/bft/test_util.h"

namespace ghost::bft {
namespace {

using testing::test_key;

TEST(BftValidatorSet, RejectsMalformedSets) {
  EXPECT_FALSE(ValidatorSet::make({}));
  EXPECT_FALSE(ValidatorSet::make({{test_key(0).public_key(), 0, 0}}));
  EXPECT_FALSE(ValidatorSet::make({{test_key(0).public_key(), 5, 0}, {test_key(0).public_key(), 7, 0}}));
  EXPECT_FALSE(ValidatorSet::make({{test_key(0).public_key(), kMaxTotalVotingPower, 0}, {test_key(1).public_key(), 1, 0}}));
  EXPECT_TRUE(ValidatorSet::make({{test_key(0).public_key(), kMaxTotalVotingPower, 0}}));
}

TEST(BftValidatorSet, CanonicalOrderAndThresholds) {
  auto set = *ValidatorSet::make({{test_key(0).public_key(), 10, 0}, {test_key(1).public_key(), 30, 0}, {test_key(2).public_key(), 20, 0}});
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.validators()[0].power, 30u);
  EXPECT_EQ(set.validators()[2].power, 10u);
  EXPECT_EQ(set.total_power(), 60u);
  EXPECT_FALSE(set.is_quorum(40));  // exactly 2/3 is not enough
  EXPECT_TRUE(set.is_quorum(41));
  EXPECT_FALSE(set.exceeds_one_third(20));
  EXPECT_TRUE(set.exceeds_one_third(21));
  EXPECT_EQ(set.index_of(test_key(1).public_key()), 0u);
  EXPECT_FALSE(set.index_of(test_key(7).public_key()));
  // The hash commits to membership and power.
  auto other = *ValidatorSet::make({{test_key(0).public_key(), 11, 0}, {test_key(1).public_key(), 30, 0}, {test_key(2).public_key(), 20, 0}});
  EXPECT_NE(set.hash(), other.hash());
}

TEST(BftValidatorSet, FromStakesKeepsTheTopStakes) {
  std::vector<Validator> stakes;
  for (size_t i = 0; i < 6; ++i) stakes.push_back({test_key(i).public_key(), i * 10, 0});  // key 0 has no stake
  auto set = *ValidatorSet::from_stakes(stakes, 3);
  ASSERT_EQ(set.size(), 3u);
  EXPECT_EQ(set.validators()[0].power, 50u);
  EXPECT_EQ(set.validators()[2].power, 30u);
  EXPECT_FALSE(ValidatorSet::from_stakes({{test_key(0).public_key(), 0, 0}}, 3));
}

// Over many heights each validator proposes in proportion to its power (CometBFT's
// weighted round robin), whatever the powers are.
TEST(BftProposer, FrequencyIsProportionalToPower) {
  std::mt19937_64 rng(7);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<uint64_t> powers;
    uint64_t total = 0;
    for (size_t i = 0, n = 2 + rng() % 6; i < n; ++i) total += powers.emplace_back(1 + rng() % 20);
    ValidatorSet set = testing::test_set(powers);
    std::map<size_t, uint64_t> count;
    for (uint64_t h = 0; h < total * 10; ++h) {
      ++count[set.proposer_index()];
      increment_proposer_priority(set, 1);
    }
    for (size_t i = 0; i < set.size(); ++i)
      EXPECT_NEAR(double(count[i]), double(set.validators()[i].power) * 10, 2.0) << "trial " << trial;
  }
}

TEST(BftProposer, RoundsAdvanceTheScheduleAndEqualPowersRotate) {
  ValidatorSet set = testing::test_set({10, 10, 10, 10});
  std::set<size_t> seen;
  for (uint32_t r = 0; r < 4; ++r) seen.insert(proposer_for_round(set, r));
  EXPECT_EQ(seen.size(), 4u);  // four rounds, four different proposers
  EXPECT_EQ(proposer_for_round(set, 0), set.proposer_index());
  // Round 5 is the round-0 schedule stepped five more times (§5.3), on a copy; with equal
  // powers that is the round-robin successor of round 0's proposer, five places on.
  ValidatorSet stepped = set;
  increment_proposer_priority(stepped, 5);
  EXPECT_EQ(proposer_for_round(set, 5), stepped.proposer_index());
  EXPECT_EQ(proposer_for_round(set, 5), (proposer_for_round(set, 0) + 5) % 4);
  EXPECT_EQ(set.proposer_index(), proposer_for_round(set, 0));  // rounds never change the stored schedule
}

TEST(BftProposer, NewcomersStartAtTheBackOfTheQueue) {
  ValidatorSet set = testing::test_set({10, 10, 10});
  for (int i = 0; i < 7; ++i) increment_proposer_priority(set, 1);
  std::vector<Validator> next = set.validators();
  next.push_back({test_key(9).public_key(), 10, 0});
  ValidatorSet carried = carry_priorities(set, *ValidatorSet::make(next));
  auto newcomer = *carried.index_of(test_key(9).public_key());
  for (size_t i = 0; i < carried.size(); ++i) {
    if (i == newcomer) continue;
    EXPECT_GT(carried.validators()[i].priority, carried.validators()[newcomer].priority);
  }
  // The newcomer does not propose in the next three heights.
  for (int i = 0; i < 3; ++i) {
    increment_proposer_priority(carried, 1);
    EXPECT_NE(carried.proposer_index(), newcomer);
  }
  // Priorities stay centred on zero.
  int64_t sum = 0;
  for (const auto& v : carried.validators()) sum += v.priority;
  EXPECT_LT(std::abs(sum), int64_t(carried.size()));
}

}  // namespace
}  // namespace ghost::bft
