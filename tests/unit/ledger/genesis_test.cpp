// Genesis parsing and validation (consensus/genesis.h) and params (consensus/params.h).
#include "consensus/ledger/genesis.h"

#include <gtest/gtest.h>

#include "tests/unit/ledger/testkit.h"

namespace ghost::ledger {
namespace {

using namespace testkit;

TEST(ParamsTest, DefaultsAreDesignValues) {
  pb::Params p = default_params();
  ASSERT_TRUE(validate_params(p));
  EXPECT_EQ(p.max_validators(), 100u);
  EXPECT_EQ(p.min_stake_validator(), 1000 * GC);
  EXPECT_EQ(p.min_stake_worker(), 100 * GC);
  EXPECT_EQ(p.slash_fraction_fraud_ppm(), 100'000u);
  EXPECT_EQ(p.slash_fraction_double_sign_ppm(), 50'000u);
  EXPECT_EQ(p.protocol_fee_share_ppm(), 100'000u);
  EXPECT_EQ(p.base_fee(), 1000u);
  EXPECT_EQ(p.fee_per_byte(), 10u);
  EXPECT_EQ(p.challenge_bond(), 10 * GC);
  EXPECT_EQ(p.fault_penalty_prices(), 40u);
  EXPECT_EQ(p.miss_penalty_ppm(), 1'000'000u);
  EXPECT_EQ(p.fault_window_blocks(), 1000u);
  EXPECT_EQ(p.max_faults_per_window(), 3u);
}

TEST(ParamsTest, RejectsFractionsAboveOneAndZeros) {
  pb::Params p = default_params();
  p.set_slash_fraction_fraud_ppm(1'000'001);
  EXPECT_FALSE(validate_params(p));
  p = default_params();
  p.set_miss_penalty_ppm(1'000'001);
  EXPECT_FALSE(validate_params(p));
  p = default_params();
  p.set_epoch_blocks(0);
  auto r = validate_params(p);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("epoch_blocks"), std::string::npos);
  p = default_params();
  p.set_max_tx_bytes(p.max_block_bytes() + 1);
  EXPECT_FALSE(validate_params(p));
}

TEST(ParamsTest, ApplyPpmIsExactFloor) {
  EXPECT_EQ(apply_ppm(1000, 100'000), 100u);
  EXPECT_EQ(apply_ppm(999, 100'000), 99u);
  EXPECT_EQ(apply_ppm(~0ull, 1'000'000), ~0ull);
  EXPECT_EQ(apply_ppm(~0ull, 500'000), ~0ull / 2);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 1000; ++i) {
    uint64_t a = rng(), f = rng() % 1'000'001;
    EXPECT_LE(apply_ppm(a, f), a);
    EXPECT_EQ(apply_ppm(a, f), (uint64_t)((unsigned __int128)a * f / 1'000'000));
  }
}

TEST(GenesisTest, JsonRoundTripAndDefaults) {
  pb::Genesis g = test_genesis();
  auto back = parse_genesis_json(genesis_to_json(g));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(genesis_hash(*back), genesis_hash(g));
  g.clear_params();
  auto defaulted = parse_genesis_json(genesis_to_json(g));
  ASSERT_TRUE(defaulted) << defaulted.error().message;
  EXPECT_EQ(pb::encode(defaulted->params()), pb::encode(default_params()));
  auto bin = parse_genesis_binary(pb::encode(test_genesis()));
  ASSERT_TRUE(bin);
  EXPECT_EQ(genesis_hash(*bin), genesis_hash(test_genesis()));
}

TEST(GenesisTest, SupplyCountsBalancesAndStakes) {
  EXPECT_EQ(genesis_supply(test_genesis()).value(), 8'000'000 * GC + 400 * GC + 10'000 * GC);
}

TEST(GenesisTest, RejectsEachProblem) {
  auto expect_bad = [](const char* what, auto mutate) {
    pb::Genesis g = test_genesis();
    mutate(g);
    EXPECT_FALSE(validate_genesis(g)) << what;
    EXPECT_FALSE(parse_genesis_binary(pb::encode(g))) << what;
  };
  expect_bad("empty chain id", [](pb::Genesis& g) { g.set_chain_id(""); });
  expect_bad("chain id characters", [](pb::Genesis& g) { g.set_chain_id("Ghost Chain"); });
  expect_bad("bad params", [](pb::Genesis& g) { g.mutable_params()->set_protocol_fee_share_ppm(2'000'000); });
  expect_bad("short address", [](pb::Genesis& g) { g.mutable_accounts(0)->set_address("abc"); });
  expect_bad("duplicate address", [](pb::Genesis& g) { *g.add_accounts() = g.accounts(0); });
  expect_bad("no validators", [](pb::Genesis& g) { g.clear_validators(); });
  expect_bad("bad consensus key", [](pb::Genesis& g) { g.mutable_validators(0)->set_consensus_pubkey("x"); });
  expect_bad("duplicate consensus key",
             [](pb::Genesis& g) { g.mutable_validators(1)->set_consensus_pubkey(g.validators(0).consensus_pubkey()); });
  expect_bad("low validator stake", [](pb::Genesis& g) { g.mutable_validators(0)->set_stake(1); });
  expect_bad("worker serving an unknown model", [](pb::Genesis& g) {
    auto* w = g.add_workers();
    w->set_operator_pubkey(str(user(0).public_key()));
    w->set_stake(100 * GC);
    w->add_models(std::string(32, 'm'));
  });
  expect_bad("low worker stake", [](pb::Genesis& g) {
    auto* w = g.add_workers();
    w->set_operator_pubkey(str(user(0).public_key()));
    w->set_stake(1);
  });
  expect_bad("invalid model", [](pb::Genesis& g) { g.add_models()->set_name("empty"); });
  expect_bad("supply overflow", [](pb::Genesis& g) {
    g.mutable_accounts(0)->set_balance(~0ull);
  });
  EXPECT_FALSE(parse_genesis_json("{\"chain_id\": 5"));
  EXPECT_FALSE(parse_genesis_json("{\"unknown_field\": 1}"));
}

TEST(GenesisTest, LedgerStartsFromGenesis) {
  Chain c;
  Ledger& l = c.ledger();
  EXPECT_EQ(l.height(), 0u);
  EXPECT_EQ(l.account(addr(user(3))).balance(), 1'000'000 * GC);
  EXPECT_EQ(l.validator_set().validators_size(), 4);
  EXPECT_EQ(l.validator_set().validators(0).power(), 4000 * GC);  // by power descending
  EXPECT_EQ(l.supply().genesis(), genesis_supply(test_genesis()).value());
  expect_supply_conserved(l);
  // A store made from one genesis refuses another.
  pb::Genesis other = test_genesis();
  other.mutable_accounts(0)->set_balance(1);
  EXPECT_FALSE(Ledger::open(c.dir().string(), other));
}

}  // namespace
}  // namespace ghost::ledger
