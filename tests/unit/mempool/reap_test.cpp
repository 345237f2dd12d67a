// reap(): each sender in nonce order from its account nonce without a gap, the best next tx
// per byte across senders, within max_bytes and the senders' balances, deterministically.
#include <algorithm>

#include "tests/unit/mempool/mempool_kit.h"

namespace ghost::mempool {
namespace {

using namespace kit;

uint64_t total_size(const std::vector<Bytes>& raws) {
  uint64_t n = 0;
  for (const Bytes& r : raws) n += r.size();
  return n;
}

TEST(MempoolReap, OneSenderInNonceOrder) {
  Harness h;
  for (uint64_t n : {2, 0, 1}) ASSERT_EQ(h.verdict(tx(0, n, 100 * (3 - n))), Verdict::kAdded);
  EXPECT_EQ(ids_of(h.reap()), ids({&tx(0, 0, 300), &tx(0, 1, 200), &tx(0, 2, 100)}));
}

TEST(MempoolReap, AGapStopsTheSenderUntilItIsFilled) {
  Harness h;
  ASSERT_EQ(h.verdict(tx(0, 0)), Verdict::kAdded);
  ASSERT_EQ(h.verdict(tx(0, 2)), Verdict::kAdded);
  EXPECT_EQ(ids_of(h.reap()), ids({&tx(0, 0)}));
  ASSERT_EQ(h.verdict(tx(0, 1)), Verdict::kAdded);
  EXPECT_EQ(ids_of(h.reap()), ids({&tx(0, 0), &tx(0, 1), &tx(0, 2)}));
}

TEST(MempoolReap, StartsExactlyAtTheAccountNonce) {
  Harness h;
  for (uint64_t n = 0; n < 3; ++n) ASSERT_EQ(h.verdict(tx(0, n)), Verdict::kAdded);
  for (uint64_t n = 1; n < 3; ++n) ASSERT_EQ(h.verdict(tx(1, n)), Verdict::kAdded);
  h.account(0).nonce = 1;  // a block executed nonce 0; update() has not run yet
  EXPECT_EQ(ids_of(h.reap()), ids({&tx(0, 1), &tx(0, 2)}));  // sender 1 waits for its nonce 0
}

TEST(MempoolReap, HighestNextFeePerByteAcrossSenders) {
  Harness h;
  const Tx &a0 = tx(0, 0, 0), &a1 = tx(0, 1, 10000), &b0 = tx(1, 0, 500), &c0 = tx(2, 0, 2000);
  for (const Tx* t : {&a0, &a1, &b0, &c0}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  // a1 pays the most but comes after a0, the cheapest.
  EXPECT_EQ(ids_of(h.reap()), ids({&c0, &b0, &a0, &a1}));
}

TEST(MempoolReap, JobResultsBeforeRequestsThatPayMorePerByte) {
  Harness h;
  const Tx &request = tx(0, 0, 0, 800), &result = tx(1, 0, 0, 20000, true), &transfer = tx(2, 0);
  ASSERT_TRUE(cheaper(result, request));  // at the minimum fee the larger tx pays less per byte
  for (const Tx* t : {&request, &transfer, &result}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  const auto reaped = ids_of(h.reap());
  ASSERT_EQ(reaped.size(), 3u);
  EXPECT_EQ(reaped[0], result.id());
  // Room for the request but not the result: the request goes, the result waits.
  EXPECT_EQ(ids_of(h.reap(request.size() + transfer.size())), ids({&transfer, &request}));
}

// Paid requests stop at their model's room (its workers' free capacity): the rest wait in the
// pool, each sender's later txs behind them, instead of failing WORKERS_BUSY in the block.
TEST(MempoolReap, PaidRequestsStopAtTheirModelsRoomAndTheRestWait) {
  Harness h;
  const Tx &r0 = tx(0, 0, 300, 800), &r1 = tx(1, 0, 200, 800), &r2 = tx(2, 0, 100, 800), &after_r2 = tx(2, 1, 900);
  const Tx &result = tx(3, 0, 0, 20000, true), &transfer = tx(4, 0);
  for (const Tx* t : {&r0, &r1, &r2, &after_r2, &result, &transfer}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  const Hash32 model = Hash32::from_span(as_bytes(std::string(32, 'm')));
  std::vector<Hash32> asked;
  auto room_of = [&](uint64_t n) {
    return [&asked, model, n](const Hash32& m) {
      asked.push_back(m);
      return m == model ? n : uint64_t(0);
    };
  };
  // Room for two: the two best-paying requests; r2 and the transfer its sender queued behind it wait.
  EXPECT_EQ(ids_of(h.reap(UINT64_MAX, room_of(2))), ids({&result, &transfer, &r0, &r1}));
  EXPECT_EQ(asked, std::vector<Hash32>{model});  // looked up once per reap
  EXPECT_EQ(ids_of(h.reap(UINT64_MAX, room_of(0))), ids({&result, &transfer}));
  // Without a room function (and with enough room) every request goes.
  EXPECT_EQ(ids_of(h.reap()).size(), 6u);
  EXPECT_EQ(ids_of(h.reap(UINT64_MAX, room_of(3))).size(), 6u);
}

TEST(MempoolReap, EqualRatesByTxIdWhateverTheArrivalOrder) {
  const Tx &a = tx(0, 0, 100), &b = tx(1, 0, 100), &c = tx(2, 0, 100);
  std::vector<const Tx*> by_id{&a, &b, &c};
  std::sort(by_id.begin(), by_id.end(), [](const Tx* x, const Tx* y) { return x->id() < y->id(); });
  for (auto order : {std::vector<const Tx*>{&a, &b, &c}, {&c, &b, &a}, {&b, &c, &a}}) {
    Harness h;
    for (const Tx* t : order) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
    EXPECT_EQ(ids_of(h.reap()), ids({by_id[0], by_id[1], by_id[2]}));
  }
}

TEST(MempoolReap, StaysWithinMaxBytes) {
  Harness h;
  const Tx &a = tx(0, 0, 9000), &b = tx(1, 0, 5000, 20), &c = tx(2, 0, 0);
  for (const Tx* t : {&a, &b, &c}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  ASSERT_TRUE(cheaper(b, a) && cheaper(c, b));
  ASSERT_LT(c.size(), b.size());
  EXPECT_EQ(ids_of(h.reap(a.size() + b.size())), ids({&a, &b}));
  EXPECT_EQ(ids_of(h.reap(a.size() + b.size() - 1)), ids({&a, &c}));
  EXPECT_TRUE(h.reap(a.size() - 1).empty());
  EXPECT_TRUE(h.reap(0).empty());
}

TEST(MempoolReap, ASenderWhoseNextTxDoesNotFitStopsAndOthersGoOn) {
  Harness h;
  const Tx &b0 = tx(1, 0, 9000), &b1 = tx(1, 1, 9000, 300), &b2 = tx(1, 2, 9000), &a0 = tx(0, 0), &a1 = tx(0, 1);
  for (const Tx* t : {&b0, &b1, &b2, &a0, &a1}) ASSERT_EQ(h.verdict(*t), Verdict::kAdded);
  ASSERT_TRUE(cheaper(a0, b1));
  const uint64_t room = b0.size() + a0.size() + a1.size() + b2.size();
  ASSERT_LT(room, b0.size() + b1.size());
  std::vector<Bytes> got = h.reap(room);
  EXPECT_EQ(ids_of(got), ids({&b0, &a0, &a1}));  // b2 fits, but not without b1
  EXPECT_LE(total_size(got), room);
}

TEST(MempoolReap, OnlyWhatTheBalancePaysFor) {
  Harness h;
  for (uint64_t n = 0; n < 3; ++n) ASSERT_EQ(h.verdict(tx(0, n)), Verdict::kAdded);
  ASSERT_EQ(h.verdict(tx(1, 0)), Verdict::kAdded);
  h.account(0).balance = tx(0, 0).fee() + tx(0, 1).fee() + tx(0, 2).fee() - 1;  // spent since
  h.account(1).balance = tx(1, 0).fee() - 1;
  EXPECT_EQ(ids_of(h.reap()), ids({&tx(0, 0), &tx(0, 1)}));
}

TEST(MempoolReap, ChangesNothing) {
  Harness h;
  for (uint64_t n = 0; n < 3; ++n) ASSERT_EQ(h.verdict(tx(0, n)), Verdict::kAdded);
  const uint64_t bytes = h.pool.bytes();
  EXPECT_EQ(h.reap().size(), 3u);
  EXPECT_EQ(h.pool.size(), 3u);
  EXPECT_EQ(h.pool.bytes(), bytes);
  EXPECT_EQ(h.reap().size(), 3u);
}

}  // namespace
}  // namespace ghost::mempool
