// update(): after a block, the included txs, the nonces the accounts passed and the fees the
// balances no longer pay leave; the rest stays, gaps included.
#include <algorithm>

#include "tests/unit/mempool/mempool_kit.h"

namespace ghost::mempool {
namespace {

using namespace kit;

TEST(MempoolUpdate, DropsTheIncludedTxs) {
  Harness h;
  const Tx &a0 = tx(0, 0), &a1 = tx(0, 1), &b0 = tx(1, 0);
  for (const Tx* t : {&a0, &a1, &b0}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  h.account(0).nonce = 1;
  h.account(1).nonce = 1;
  std::vector<Hash32> dropped = h.update(ids({&a0, &b0, &tx(2, 0)}));  // tx(2, 0) was never here
  std::sort(dropped.begin(), dropped.end());
  std::vector<Hash32> want = ids({&a0, &b0});
  std::sort(want.begin(), want.end());
  EXPECT_EQ(dropped, want);
  EXPECT_EQ(h.pool.size(), 1u);
  EXPECT_EQ(h.pool.bytes(), a1.size());
  EXPECT_EQ(h.metrics.gauge("ghost_mempool_txs", "").value(), 1.0);
  EXPECT_EQ(ids_of(h.reap()), ids({&a1}));
}

TEST(MempoolUpdate, DropsNoncesTheAccountPassedThroughTxsItNeverSaw) {
  Harness h;
  const Tx &ours = tx(0, 0), &theirs = tx(0, 0, 777);
  ASSERT_EQ(h.verdict(ours), Verdict::kAdded);
  ASSERT_EQ(h.verdict(tx(0, 1)), Verdict::kAdded);
  h.account(0).nonce = 1;
  EXPECT_EQ(h.update(ids({&theirs})), ids({&ours}));
  EXPECT_TRUE(h.pool.contains(tx(0, 1).id()));
}

TEST(MempoolUpdate, ChecksEverySenderNotOnlyTheIncludedOnes) {
  Harness h;
  ASSERT_EQ(h.verdict(tx(0, 0)), Verdict::kAdded);
  ASSERT_EQ(h.verdict(tx(1, 0)), Verdict::kAdded);
  h.account(1).nonce = 1;
  EXPECT_EQ(h.update(), ids({&tx(1, 0)}));
}

TEST(MempoolUpdate, DropsWhatTheNewBalanceNoLongerPaysAndTheNoncesAfterIt) {
  Harness h;
  for (uint64_t n = 0; n < 4; ++n) ASSERT_EQ(h.verdict(tx(0, n)), Verdict::kAdded);
  h.account(0).balance = tx(0, 0).fee() + tx(0, 1).fee() + tx(0, 2).fee() - 1;
  EXPECT_EQ(h.update(), ids({&tx(0, 2), &tx(0, 3)}));
  EXPECT_EQ(h.pool.size(), 2u);
  // The cumulative count starts at the account nonce.
  h.account(0) = {1, tx(0, 1).fee()};
  EXPECT_EQ(h.update(), ids({&tx(0, 0)}));
  EXPECT_TRUE(h.pool.contains(tx(0, 1).id()));
}

TEST(MempoolUpdate, DropsAnIncludedTxThatDidNotExecute) {
  Harness h;
  ASSERT_EQ(h.verdict(tx(0, 1)), Verdict::kAdded);
  ASSERT_EQ(h.verdict(tx(0, 2)), Verdict::kAdded);
  // A proposer put nonce 1 in a block before nonce 0: it failed and the account is unchanged.
  EXPECT_EQ(h.update(ids({&tx(0, 1)})), ids({&tx(0, 1)}));
  EXPECT_TRUE(h.pool.contains(tx(0, 2).id()));
}

TEST(MempoolUpdate, KeepsTxsWaitingForAGapToFill) {
  Harness h;
  ASSERT_EQ(h.verdict(tx(0, 2)), Verdict::kAdded);
  EXPECT_TRUE(h.update().empty());
  ASSERT_EQ(h.verdict(tx(0, 0)), Verdict::kAdded);
  ASSERT_EQ(h.verdict(tx(0, 1)), Verdict::kAdded);
  EXPECT_EQ(ids_of(h.reap()), ids({&tx(0, 0), &tx(0, 1), &tx(0, 2)}));
}

}  // namespace
}  // namespace ghost::mempool
