// A full pool: the cheapest per byte leave first (the newest among equals), only for a tx
// paying strictly more per byte, with their senders' higher nonces, and never a tx the
// incoming one must follow.
#include <algorithm>

#include "tests/unit/mempool/mempool_kit.h"

namespace ghost::mempool {
namespace {

using namespace kit;

std::vector<Hash32> sorted(std::vector<Hash32> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(MempoolEviction, CheapestPerByteLeavesForABetterPayer) {
  Harness h(Config{.max_txs = 3});
  const Tx &a = tx(0, 0, 100), &b = tx(1, 0, 300), &c = tx(2, 0, 200);
  for (const Tx* t : {&a, &b, &c}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  const Tx& d = tx(3, 0, 150);
  AddResult r = h.add(d);
  EXPECT_EQ(r.verdict, Verdict::kAdded);
  EXPECT_EQ(r.evicted, ids({&a}));
  EXPECT_EQ(h.pool.size(), 3u);
  EXPECT_EQ(h.verdict(tx(4, 0, 50)), Verdict::kFull);
  EXPECT_EQ(h.verdict(tx(5, 0, 150)), Verdict::kFull);  // as much as the cheapest is not enough
  EXPECT_EQ(h.rejected(Verdict::kFull), 2u);
  EXPECT_EQ(h.metrics.counter("ghost_mempool_evicted_total", "").value(), 1u);
  for (const Tx* t : {&b, &c, &d}) EXPECT_TRUE(h.pool.contains(t->id()));
}

TEST(MempoolEviction, AmongEqualRatesTheNewestLeavesFirst) {
  Harness h(Config{.max_txs = 2});
  const Tx &older = tx(0, 0, 100), &newer = tx(1, 0, 100);
  ASSERT_EQ(older.size(), newer.size());
  ASSERT_EQ(h.verdict(older), Verdict::kAdded);
  ASSERT_EQ(h.verdict(newer), Verdict::kAdded);
  EXPECT_EQ(h.add(tx(2, 0, 500)).evicted, ids({&newer}));
  EXPECT_TRUE(h.pool.contains(older.id()));
}

TEST(MempoolEviction, AVictimTakesItsSendersHigherNonces) {
  Harness h(Config{.max_txs = 3});
  const Tx &s0 = tx(0, 0, 0), &s1 = tx(0, 1, 9000), &t0 = tx(1, 0, 500);
  for (const Tx* t : {&s0, &s1, &t0}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  const Tx& fresh = tx(2, 0, 200);
  ASSERT_TRUE(cheaper(fresh, s1));  // s1 pays more, but cannot execute without s0
  AddResult r = h.add(fresh);
  EXPECT_EQ(r.verdict, Verdict::kAdded);
  EXPECT_EQ(r.evicted, ids({&s0, &s1}));
  EXPECT_EQ(h.pool.size(), 2u);
  EXPECT_EQ(h.pool.bytes(), t0.size() + fresh.size());
}

TEST(MempoolEviction, NeverEvictsANonceTheIncomingTxMustFollow) {
  Harness h(Config{.max_txs = 2});
  const Tx &s0 = tx(0, 0, 0), &t0 = tx(1, 0, 5000);
  ASSERT_EQ(h.verdict(s0), Verdict::kAdded);
  ASSERT_EQ(h.verdict(t0), Verdict::kAdded);
  const Tx& s1 = tx(0, 1, 1000);
  ASSERT_TRUE(cheaper(s0, s1));
  EXPECT_EQ(h.verdict(s1), Verdict::kFull);  // evicting s0 would strand s1 itself
  EXPECT_TRUE(h.pool.contains(s0.id()));
}

TEST(MempoolEviction, SkipsTheIncomingSendersLowerNoncesForTheNextVictim) {
  Harness h(Config{.max_txs = 3});
  const Tx &s0 = tx(0, 0, 0), &u0 = tx(1, 0, 10), &t0 = tx(2, 0, 5000);
  for (const Tx* t : {&s0, &u0, &t0}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  EXPECT_EQ(h.add(tx(0, 1, 1000)).evicted, ids({&u0}));
  EXPECT_TRUE(h.pool.contains(s0.id()));
}

TEST(MempoolEviction, MayEvictTheIncomingSendersHigherNonces) {
  Harness h(Config{.max_txs = 2});
  const Tx &s0 = tx(0, 0, 5000), &s2 = tx(0, 2, 0);
  ASSERT_EQ(h.verdict(s0), Verdict::kAdded);
  ASSERT_EQ(h.verdict(s2), Verdict::kAdded);
  AddResult r = h.add(tx(0, 1, 1000));
  EXPECT_EQ(r.verdict, Verdict::kAdded);
  EXPECT_EQ(r.evicted, ids({&s2}));
}

TEST(MempoolEviction, ByBytesAsManyAsTheLargerTxNeeds) {
  const Tx &a = tx(0, 0, 0), &b = tx(1, 0, 100), &c = tx(2, 0, 9000);
  Harness h(Config{.max_bytes = a.size() + b.size() + c.size()});
  for (const Tx* t : {&a, &b, &c}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  const Tx& big = tx(3, 0, 5000, 100);
  ASSERT_GT(big.size(), a.size() + 100);  // one victim is not enough
  ASSERT_LE(big.size(), a.size() + b.size());
  ASSERT_TRUE(cheaper(b, big) && cheaper(big, c));
  AddResult r = h.add(big);
  EXPECT_EQ(r.verdict, Verdict::kAdded);
  EXPECT_EQ(sorted(r.evicted), sorted(ids({&a, &b})));
  EXPECT_LE(h.pool.bytes(), a.size() + b.size() + c.size());
  EXPECT_TRUE(h.pool.contains(c.id()));
}

TEST(MempoolEviction, RefusedWhenTheCheaperTxsDoNotMakeEnoughRoom) {
  const Tx &a = tx(0, 0, 0), &c = tx(1, 0, 9000);
  Harness h(Config{.max_bytes = a.size() + c.size()});
  ASSERT_EQ(h.verdict(a), Verdict::kAdded);
  ASSERT_EQ(h.verdict(c), Verdict::kAdded);
  const Tx& big = tx(3, 0, 5000, 100);
  ASSERT_TRUE(cheaper(big, c));
  EXPECT_EQ(h.verdict(big), Verdict::kFull);  // a alone frees too little; c pays more
  EXPECT_EQ(h.pool.size(), 2u);
}

TEST(MempoolEviction, ATxLargerThanThePoolIsRefused) {
  const Tx& t = tx(0, 0, 0, 100);
  Harness h(Config{.max_bytes = t.size() - 1});
  EXPECT_EQ(h.verdict(t), Verdict::kFull);
  EXPECT_EQ(h.pool.size(), 0u);
}

}  // namespace
}  // namespace ghost::mempool
