// add(): each verdict, replacement, the per-sender limit and the metrics of refusals.
#include "tests/unit/mempool/mempool_kit.h"

namespace ghost::mempool {
namespace {

using namespace kit;

TEST(MempoolAdd, AddsOnceThenRefusesTheSameId) {
  Harness h;
  const Tx& t = tx(0, 0);
  AddResult r = h.add(t);
  EXPECT_EQ(r.verdict, Verdict::kAdded);
  EXPECT_TRUE(r.reason.empty());
  EXPECT_TRUE(r.evicted.empty());
  EXPECT_TRUE(h.pool.contains(t.id()));
  EXPECT_EQ(h.pool.get(t.id()), t.raw);
  EXPECT_EQ(h.pool.size(), 1u);
  EXPECT_EQ(h.pool.bytes(), t.size());
  EXPECT_EQ(h.verdict(t), Verdict::kDuplicate);
  EXPECT_EQ(h.pool.size(), 1u);
  EXPECT_FALSE(h.pool.get(tx(0, 1).id()));
}

TEST(MempoolAdd, NonceBelowTheAccountsIsTooLow) {
  Harness h;
  h.account(0).nonce = 5;
  EXPECT_EQ(h.verdict(tx(0, 4)), Verdict::kNonceTooLow);
  EXPECT_EQ(h.verdict(tx(0, 5)), Verdict::kAdded);
}

TEST(MempoolAdd, NonceMaxPerSenderAheadIsTooHighAndGapsBelowItAreKept) {
  Harness h(Config{.max_per_sender = 4});
  h.account(0).nonce = 2;
  EXPECT_EQ(h.verdict(tx(0, 6)), Verdict::kNonceTooHigh);
  EXPECT_EQ(h.verdict(tx(0, 5)), Verdict::kAdded);  // waits for 2..4
  EXPECT_EQ(h.pool.size(), 1u);
}

TEST(MempoolAdd, SenderLimitCountsTxsABlockExecutedUntilUpdate) {
  Harness h(Config{.max_per_sender = 3});
  for (uint64_t n = 0; n < 3; ++n) ASSERT_EQ(h.verdict(tx(0, n)), Verdict::kAdded);
  h.account(0).nonce = 1;  // a block executed nonce 0; update() has not run yet
  EXPECT_EQ(h.verdict(tx(0, 3)), Verdict::kSenderLimit);
  EXPECT_EQ(h.verdict(tx(1, 0)), Verdict::kAdded);  // other senders are not limited by it
  EXPECT_EQ(h.update({tx(0, 0).id()}), ids({&tx(0, 0)}));
  EXPECT_EQ(h.verdict(tx(0, 3)), Verdict::kAdded);
}

TEST(MempoolAdd, BalanceMustPayThePendingFeesBelowTheNonceAndThisOne) {
  const uint64_t f0 = tx(0, 0).fee(), f1 = tx(0, 1).fee(), f2 = tx(0, 2).fee();
  Harness h({}, f0 + f1);
  EXPECT_EQ(h.verdict(tx(0, 1)), Verdict::kAdded);  // nothing pending below it
  EXPECT_EQ(h.verdict(tx(0, 0)), Verdict::kAdded);  // its fee alone
  EXPECT_EQ(h.verdict(tx(0, 2)), Verdict::kCannotPayFee);
  h.account(1).balance = tx(1, 0).fee() - 1;
  EXPECT_EQ(h.verdict(tx(1, 0)), Verdict::kCannotPayFee);
  // After a block spent nonce 0's fee, only what is still ahead of the account counts.
  h.account(0) = {1, f1 + f2 - 1};
  EXPECT_EQ(h.verdict(tx(0, 2)), Verdict::kCannotPayFee);
  h.account(0) = {1, f1 + f2};
  EXPECT_EQ(h.verdict(tx(0, 2)), Verdict::kAdded);
}

// The tip that makes user 0's nonce-0 transfer pay `num/den` times the fee of its tip-0
// version, rounded up (the size does not change: the fee's varint keeps its length).
uint64_t tip_for(uint64_t num, uint64_t den) {
  const uint64_t base = tx(0, 0).fee();
  return (base * num + den - 1) / den - base;
}

TEST(MempoolAdd, ReplacementNeedsTenPercentMorePerByte) {
  Harness h;
  const Tx& old = tx(0, 0);
  const Tx& short_of_it = tx(0, 0, tip_for(11, 10) - 1);
  const Tx& enough = tx(0, 0, tip_for(11, 10));
  ASSERT_EQ(short_of_it.size(), old.size());
  ASSERT_EQ(enough.size(), old.size());
  ASSERT_EQ(h.verdict(old), Verdict::kAdded);
  EXPECT_EQ(h.verdict(short_of_it), Verdict::kUnderpriced);
  EXPECT_TRUE(h.pool.contains(old.id()));
  AddResult r = h.add(enough);
  EXPECT_EQ(r.verdict, Verdict::kReplaced);
  EXPECT_TRUE(r.accepted());
  EXPECT_EQ(r.evicted, ids({&old}));
  EXPECT_FALSE(h.pool.contains(old.id()));
  EXPECT_TRUE(h.pool.contains(enough.id()));
  EXPECT_EQ(h.pool.size(), 1u);
  EXPECT_EQ(h.pool.bytes(), enough.size());
}

TEST(MempoolAdd, ReplacementDropsTheLaterNoncesItsFeeLeavesUnpaid) {
  Harness h({}, tx(0, 0).fee() + tx(0, 1).fee() + 1);
  ASSERT_EQ(h.verdict(tx(0, 0)), Verdict::kAdded);
  ASSERT_EQ(h.verdict(tx(0, 1)), Verdict::kAdded);
  const Tx& bump = tx(0, 0, tip_for(12, 10));
  AddResult r = h.add(bump);
  EXPECT_EQ(r.verdict, Verdict::kReplaced);
  EXPECT_EQ(r.evicted, ids({&tx(0, 0), &tx(0, 1)}));
  EXPECT_EQ(h.pool.size(), 1u);
  EXPECT_TRUE(h.pool.contains(bump.id()));
}

TEST(MempoolAdd, ReplacementInAFullPoolTakesTheReplacedTxsRoom) {
  Harness h(Config{.max_txs = 1});
  ASSERT_EQ(h.verdict(tx(0, 0)), Verdict::kAdded);
  EXPECT_EQ(h.verdict(tx(0, 0, tip_for(2, 1))), Verdict::kReplaced);
  EXPECT_EQ(h.pool.size(), 1u);
}

TEST(MempoolAdd, RefusalsAreCountedByVerdictAndGaugesFollowThePool) {
  Harness h(Config{.max_txs = 1, .max_per_sender = 2});
  h.account(0).nonce = 1;
  ASSERT_EQ(h.verdict(tx(0, 1)), Verdict::kAdded);
  h.verdict(tx(0, 1));
  h.verdict(tx(0, 0));
  h.verdict(tx(0, 0));
  h.verdict(tx(0, 3));
  h.verdict(tx(1, 1));  // as large as tx(0, 1) and paying as much
  EXPECT_EQ(h.rejected(Verdict::kDuplicate), 1u);
  EXPECT_EQ(h.rejected(Verdict::kNonceTooLow), 2u);
  EXPECT_EQ(h.rejected(Verdict::kNonceTooHigh), 1u);
  EXPECT_EQ(h.rejected(Verdict::kFull), 1u);
  EXPECT_EQ(h.rejected(Verdict::kCannotPayFee), 0u);
  EXPECT_EQ(h.metrics.gauge("ghost_mempool_txs", "").value(), 1.0);
  EXPECT_EQ(h.metrics.gauge("ghost_mempool_bytes", "").value(), double(tx(0, 1).size()));
  EXPECT_NE(h.metrics.render().find("ghost_mempool_rejected_total{verdict=\"underpriced\"} 0"), std::string::npos);
}

TEST(MempoolAdd, RawBytesOfAnotherTxAreAProgrammingError) {
  Harness h;
  EXPECT_THROW(h.pool.add(tx(0, 0).checked, tx(0, 0, 0, 50).raw, h.view()), std::invalid_argument);
  EXPECT_EQ(h.pool.size(), 0u);
}

TEST(MempoolAdd, VerdictNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int v = 0; v <= int(Verdict::kUnderpriced); ++v) names.insert(verdict_name(Verdict(v)));
  EXPECT_EQ(names.size(), size_t(Verdict::kUnderpriced) + 1);
}

}  // namespace
}  // namespace ghost::mempool
