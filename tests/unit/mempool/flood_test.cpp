// Floods from one sender and from many: the pool stays within its bounds and a tx paying
// more per byte from a sender it has never seen still gets in, first in the next block.
#include "tests/unit/mempool/mempool_kit.h"

namespace ghost::mempool {
namespace {

using namespace kit;

void expect_bounded(const Harness& h, const Config& c) {
  EXPECT_LE(h.pool.size(), c.max_txs);
  EXPECT_LE(h.pool.bytes(), c.max_bytes);
}

TEST(MempoolFlood, OneSenderHoldsAtMostItsShare) {
  const Config c{.max_txs = 16, .max_bytes = 16 * 150, .max_per_sender = 8};
  Harness h(c);
  std::map<Verdict, int> seen;
  for (uint64_t n = 0; n < 100; ++n) {
    seen[h.add(tx(0, n)).verdict] += 1;
    seen[h.add(tx(0, n % 8, 1)).verdict] += 1;  // replacements paying next to nothing more
    expect_bounded(h, c);
  }
  EXPECT_EQ(seen[Verdict::kAdded], 8);
  EXPECT_EQ(seen[Verdict::kNonceTooHigh], 92);
  EXPECT_EQ(seen[Verdict::kUnderpriced], 100);
  EXPECT_EQ(h.pool.size(), 8u);
  for (int s = 1; s <= 8; ++s) EXPECT_EQ(h.verdict(tx(s, 0)), Verdict::kAdded) << s;
  const Tx& fresh = tx(20, 0, 1000);
  EXPECT_EQ(h.verdict(fresh), Verdict::kAdded);
  expect_bounded(h, c);
  EXPECT_EQ(ledger::tx_id(h.reap().at(0)), fresh.id());
}

TEST(MempoolFlood, ManySendersCannotKeepABetterPayerOut) {
  const Config c{.max_txs = 64, .max_bytes = 40 * 150, .max_per_sender = 8};
  Harness h(c);
  int accepted = 0;
  for (int s = 0; s < 48; ++s)
    for (uint64_t n = 0; n < 6; ++n) {
      accepted += h.add(tx(100 + s, n, n % 3)).accepted();
      expect_bounded(h, c);
    }
  EXPECT_GE(accepted, 40);
  EXPECT_GT(h.pool.bytes(), c.max_bytes - 150);  // the flood filled it
  EXPECT_EQ(h.verdict(tx(200, 1)), Verdict::kFull);  // paying what the cheapest pay is not enough
  const Tx& fresh = tx(201, 0, 1000);
  AddResult r = h.add(fresh);
  EXPECT_EQ(r.verdict, Verdict::kAdded);
  EXPECT_FALSE(r.evicted.empty());
  expect_bounded(h, c);
  EXPECT_EQ(ledger::tx_id(h.reap().at(0)), fresh.id());
}

}  // namespace
}  // namespace ghost::mempool
