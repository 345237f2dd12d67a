// Staking: bonding, unbonding, minimums, unjail, epoch validator sets and rewards.
#include <gtest/gtest.h>

#include "tests/unit/ledger/testkit.h"

namespace ghost::ledger {
namespace {

using namespace testkit;

void run_to(Chain& c, uint64_t height) {
  while (c.ledger().height() < height) c.block();
}

TEST(LedgerStakingTest, NewValidatorJoinsAtTheEpoch) {
  Chain c;
  PrivateKey op = user(0), cons = PrivateKey::from_seed("new-consensus");
  uint64_t b0 = c.balance(op);
  auto r = c.run(op, body::stake_validator(5000 * GC, cons.public_key()));
  ASSERT_EQ(r.status(), pb::OK) << r.reason();
  EXPECT_EQ(c.balance(op), b0 - 5000 * GC - r.fee_paid());
  auto s = c.ledger().stake(pb::VALIDATOR, addr(op));
  ASSERT_TRUE(s);
  EXPECT_EQ(s->bonded(), 5000 * GC);
  EXPECT_EQ(c.ledger().validator_set().validators_size(), 4);  // not before the epoch
  std::optional<pb::ValidatorSet> update;
  while (c.ledger().height() < 5) {
    auto res = c.block();
    if (res.validator_set) update = res.validator_set;
  }
  ASSERT_TRUE(update);
  ASSERT_EQ(update->validators_size(), 5);
  EXPECT_EQ(update->validators(0).consensus_pubkey(), str(cons.public_key()));
  EXPECT_EQ(update->validators(0).power(), 5000 * GC);
  EXPECT_EQ(pb::encode(c.ledger().validator_set()), pb::encode(*update));
  // Topping up keeps the key; another key is refused.
  EXPECT_EQ(c.run(op, body::stake_validator(1 * GC, cons.public_key())).status(), pb::OK);
  EXPECT_EQ(c.run(op, body::stake_validator(1 * GC, user(5).public_key())).status(), pb::STAKE_CONFLICT);
  pb::TxBody no_key = body::stake_validator(1 * GC, cons.public_key());
  no_key.mutable_stake()->clear_consensus_pubkey();
  EXPECT_EQ(c.run(op, no_key).status(), pb::OK);
  expect_supply_conserved(c.ledger());
}

TEST(LedgerStakingTest, StakeFailures) {
  Chain c;
  PrivateKey op = user(0);
  EXPECT_EQ(c.run(op, body::stake_validator(999 * GC, user(0).public_key())).status(), pb::BELOW_MIN_STAKE);
  pb::TxBody no_key = body::stake_validator(1000 * GC, user(0).public_key());
  no_key.mutable_stake()->clear_consensus_pubkey();
  EXPECT_EQ(c.run(op, no_key).status(), pb::STAKE_CONFLICT);
  // A consensus key already used by a genesis validator.
  EXPECT_EQ(c.run(op, body::stake_validator(1000 * GC, consensus_key(0).public_key())).status(), pb::STAKE_CONFLICT);
  EXPECT_EQ(c.run(op, body::stake_validator(2'000'000 * GC, user(0).public_key())).status(), pb::INSUFFICIENT_FUNDS);
  EXPECT_EQ(c.run(op, body::stake_worker(99 * GC, {}, 0)).status(), pb::BELOW_MIN_STAKE);
  EXPECT_EQ(c.run(op, body::stake_worker(100 * GC, {sha256("no such model")}, 0)).status(), pb::UNKNOWN_MODEL);
  EXPECT_FALSE(c.ledger().stake(pb::VALIDATOR, addr(op)));
  EXPECT_FALSE(c.ledger().stake(pb::WORKER, addr(op)));
  expect_supply_conserved(c.ledger());
}

TEST(LedgerStakingTest, UnbondingPaysBackAfterUnbondingBlocks) {
  Chain c;
  PrivateKey op = validator_op(3);  // 4000 GC bonded
  auto r = c.run(op, body::unstake(pb::VALIDATOR, 1000 * GC));
  ASSERT_EQ(r.status(), pb::OK) << r.reason();
  uint64_t at = c.ledger().height();
  auto s = c.ledger().stake(pb::VALIDATOR, addr(op));
  EXPECT_EQ(s->bonded(), 3000 * GC);
  ASSERT_EQ(s->unbonding_size(), 1);
  EXPECT_EQ(s->unbonding(0).complete_height(), at + 5);
  uint64_t bal = c.balance(op);
  run_to(c, at + 4);
  expect_supply_conserved(c.ledger());
  uint64_t before_payout = c.balance(op);
  EXPECT_GE(before_payout, bal);  // epoch rewards may have arrived, not the stake
  EXPECT_EQ(c.ledger().stake(pb::VALIDATOR, addr(op))->unbonding_size(), 1);
  run_to(c, at + 5);
  EXPECT_EQ(c.ledger().stake(pb::VALIDATOR, addr(op))->unbonding_size(), 0);
  EXPECT_GE(c.balance(op), before_payout + 1000 * GC);
  expect_supply_conserved(c.ledger());
}

TEST(LedgerStakingTest, UnstakeFailures) {
  Chain c;
  PrivateKey op = validator_op(1);  // 2000 GC
  EXPECT_EQ(c.run(user(0), body::unstake(pb::VALIDATOR, 1)).status(), pb::NO_STAKE);
  EXPECT_EQ(c.run(op, body::unstake(pb::VALIDATOR, 2001 * GC)).status(), pb::INSUFFICIENT_FUNDS);
  EXPECT_EQ(c.run(op, body::unstake(pb::VALIDATOR, 1500 * GC)).status(), pb::BELOW_MIN_STAKE);
  EXPECT_EQ(c.run(op, body::unstake(pb::WORKER, 1)).status(), pb::NO_STAKE);
  EXPECT_EQ(c.ledger().stake(pb::VALIDATOR, addr(op))->bonded(), 2000 * GC);
  // Everything may go: the validator leaves the set at the next epoch.
  ASSERT_EQ(c.run(op, body::unstake(pb::VALIDATOR, 2000 * GC)).status(), pb::OK);
  run_to(c, 5);
  EXPECT_EQ(c.ledger().validator_set().validators_size(), 3);
  EXPECT_EQ(c.run(op, body::unstake(pb::VALIDATOR, 1)).status(), pb::NO_STAKE);
}

TEST(LedgerStakingTest, MaxValidatorsKeepsTheLargest) {
  pb::Genesis g = test_genesis();
  g.mutable_params()->set_max_validators(2);
  Chain c(g);
  auto set = c.ledger().validator_set();
  ASSERT_EQ(set.validators_size(), 2);
  EXPECT_EQ(set.validators(0).consensus_pubkey(), str(consensus_key(3).public_key()));
  EXPECT_EQ(set.validators(1).consensus_pubkey(), str(consensus_key(2).public_key()));
  ASSERT_EQ(c.run(user(0), body::stake_validator(3500 * GC, user(0).public_key())).status(), pb::OK);
  run_to(c, 5);
  set = c.ledger().validator_set();
  ASSERT_EQ(set.validators_size(), 2);
  EXPECT_EQ(set.validators(1).consensus_pubkey(), str(user(0).public_key()));
}

TEST(LedgerStakingTest, RewardPoolPaidToValidatorsByPower) {
  Chain c;
  std::vector<uint64_t> before;
  for (int i = 0; i < 4; ++i) before.push_back(c.balance(validator_op(i)));
  for (int i = 0; i < 4; ++i) c.run(user(i), body::transfer(addr(user(7)), GC));
  run_to(c, 4);
  uint64_t pool = c.ledger().supply().reward_pool();
  ASSERT_GT(pool, 0u);
  run_to(c, 5);  // epoch: the pool (plus this block's reward) is paid out
  uint64_t paid_pool = pool + c.genesis().params().block_reward();
  uint64_t paid = 0;
  for (int i = 0; i < 4; ++i) {
    uint64_t got = c.balance(validator_op(i)) - before[i];
    EXPECT_EQ(got, (uint64_t)((unsigned __int128)paid_pool * (i + 1) / 10)) << i;
    paid += got;
  }
  EXPECT_EQ(c.ledger().supply().reward_pool(), paid_pool - paid);
  EXPECT_LT(c.ledger().supply().reward_pool(), 4u);
  expect_supply_conserved(c.ledger());
}

}  // namespace
}  // namespace ghost::ledger
