// Transfers, nonces and fees; malformed txs change nothing (consensus/ledger.h).
#include <gtest/gtest.h>

#include "consensus/ledger/exec.h"
#include "tests/unit/ledger/testkit.h"

namespace ghost::ledger {
namespace {

using namespace testkit;

TEST(LedgerTransferTest, MovesCreditsAndPaysTheFee) {
  Chain c;
  PrivateKey a = user(0), b = user(1);
  uint64_t a0 = c.balance(a), b0 = c.balance(b);
  Bytes tx = c.tx(a, body::transfer(addr(b), 123 * GC));
  auto res = c.block({tx});
  const pb::Receipt& r = res.receipts.at(0);
  ASSERT_EQ(r.status(), pb::OK) << r.reason();
  EXPECT_EQ(r.fee_paid(), min_fee(c.genesis().params(), tx.size()));
  EXPECT_EQ(c.balance(a), a0 - 123 * GC - r.fee_paid());
  EXPECT_EQ(c.balance(b), b0 + 123 * GC);
  EXPECT_EQ(c.ledger().account(addr(a)).nonce(), 1u);
  EXPECT_EQ(c.ledger().supply().reward_pool(), r.fee_paid() + c.genesis().params().block_reward());
  auto stored = c.ledger().receipt(tx_id(tx));
  ASSERT_TRUE(stored);
  EXPECT_EQ(pb::encode(*stored), pb::encode(r));
  EXPECT_EQ(res.app_hash, c.ledger().app_hash());
  expect_supply_conserved(c.ledger());
}

TEST(LedgerTransferTest, ToANewAccountAndToSelf) {
  Chain c;
  PrivateKey a = user(0), fresh = PrivateKey::from_seed("fresh");
  ASSERT_EQ(c.run(a, body::transfer(addr(fresh), 5 * GC)).status(), pb::OK);
  EXPECT_EQ(c.balance(fresh), 5 * GC);
  uint64_t before = c.balance(a);
  auto r = c.run(a, body::transfer(addr(a), 7 * GC));
  ASSERT_EQ(r.status(), pb::OK);
  EXPECT_EQ(c.balance(a), before - r.fee_paid());
  // The new account can spend what it got.
  ASSERT_EQ(c.run(fresh, body::transfer(addr(a), 1 * GC)).status(), pb::OK);
  expect_supply_conserved(c.ledger());
}

TEST(LedgerTransferTest, InsufficientFundsPaysFeeBumpsNonceMovesNothing) {
  Chain c;
  PrivateKey a = user(0), b = user(1);
  uint64_t a0 = c.balance(a), b0 = c.balance(b);
  auto r = c.run(a, body::transfer(addr(b), a0));  // the fee makes it one too many
  EXPECT_EQ(r.status(), pb::INSUFFICIENT_FUNDS);
  EXPECT_FALSE(r.reason().empty());
  EXPECT_GT(r.fee_paid(), 0u);
  EXPECT_EQ(c.balance(a), a0 - r.fee_paid());
  EXPECT_EQ(c.balance(b), b0);
  EXPECT_EQ(c.ledger().account(addr(a)).nonce(), 1u);
  EXPECT_TRUE(c.ledger().receipt(Hash32::from_span(as_bytes(r.tx_id()))));
  expect_supply_conserved(c.ledger());
}

TEST(LedgerTransferTest, AddCheckedRefusesToWrap) {
  EXPECT_EQ(add_checked(~0ull - 1, 1), ~0ull);
  auto wrapped = add_checked(~0ull, 1);
  ASSERT_FALSE(wrapped) << "no overflow reported";
  EXPECT_EQ(wrapped.error().code, pb::OVERFLOW);
}

// Malformed or unpayable txs in a block get a receipt and leave every record unchanged.
TEST(LedgerTransferTest, RejectedBeforeAnyStateChange) {
  Chain c;
  PrivateKey a = user(0), b = user(1);
  Bytes ok = c.tx(a, body::transfer(addr(b), 1 * GC));
  c.block({ok});
  Hash32 before = c.ledger().app_hash();
  auto acct = c.ledger().account(addr(a));
  pb::Supply supply = c.ledger().supply();
  const pb::Params& p = c.genesis().params();

  Bytes fresh = c.tx(a, body::transfer(addr(b), 1 * GC));
  Bytes truncated(fresh.begin(), fresh.begin() + fresh.size() / 2);
  Bytes oversize = encode_tx(a, kChain, 1, [&] {
    pb::TxBody big = body::transfer(addr(b), 1);
    big.mutable_transfer()->mutable_to()->append(p.max_tx_bytes(), 'x');
    return big;
  }(), p);
  Bytes bad_sig = fresh;
  bad_sig[bad_sig.size() - 1] ^= 1;
  Bytes wrong_chain = encode_tx(a, "other", 1, body::transfer(addr(b), 1 * GC), p);
  Bytes replay = ok;  // nonce 0 again
  Bytes future = encode_tx(a, kChain, 7, body::transfer(addr(b), 1 * GC), p);
  Bytes broke = encode_tx(PrivateKey::from_seed("nobody"), kChain, 0, body::transfer(addr(b), 1), p);

  auto res = c.block({truncated, oversize, bad_sig, wrong_chain, replay, future, broke});
  std::vector<pb::TxCode> want = {pb::TX_MALFORMED, pb::TX_TOO_LARGE,  pb::TX_BAD_SIGNATURE, pb::TX_WRONG_CHAIN,
                                  pb::TX_BAD_NONCE, pb::TX_BAD_NONCE, pb::TX_CANNOT_PAY_FEE};
  ASSERT_EQ(res.receipts.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(res.receipts[i].status(), want[i]) << i << ": " << res.receipts[i].reason();
    EXPECT_EQ(res.receipts[i].fee_paid(), 0u);
    EXPECT_FALSE(res.receipts[i].reason().empty());
  }
  EXPECT_EQ(pb::encode(c.ledger().account(addr(a))), pb::encode(acct));
  // Only the block reward moved: the same as an empty block.
  EXPECT_EQ(c.ledger().supply().reward_pool(), supply.reward_pool() + p.block_reward());
  EXPECT_EQ(c.ledger().receipt(tx_id(ok))->height(), 1u);  // the replay did not overwrite it
  Chain empty;
  empty.block({ok});  // the same first block, then an empty one
  empty.block({});
  EXPECT_EQ(c.ledger().app_hash(), empty.ledger().app_hash());
  EXPECT_NE(before, c.ledger().app_hash());
}

TEST(LedgerTransferTest, SequentialNoncesWithinOneBlock) {
  Chain c;
  PrivateKey a = user(0);
  std::vector<Bytes> txs;
  for (int i = 0; i < 5; ++i) txs.push_back(c.tx(a, body::transfer(addr(user(1)), GC)));
  std::swap(txs[1], txs[2]);  // nonce 2 before nonce 1: 2 fails, 1 applies, then 3 and 4 apply
  auto res = c.block(txs);
  EXPECT_EQ(res.receipts[0].status(), pb::OK);
  EXPECT_EQ(res.receipts[1].status(), pb::TX_BAD_NONCE);
  EXPECT_EQ(res.receipts[2].status(), pb::OK);
  EXPECT_EQ(res.receipts[3].status(), pb::TX_BAD_NONCE);  // nonce 3 arrives when 2 is expected
  EXPECT_EQ(c.ledger().account(addr(a)).nonce(), 2u);
}

TEST(LedgerTransferTest, BlockHeightMustFollowAndSizeIsBounded) {
  pb::Genesis g = test_genesis();
  g.mutable_params()->set_max_tx_bytes(1000);
  g.mutable_params()->set_max_block_bytes(1000);
  Chain c(g);
  Hash32 genesis_hash = c.ledger().app_hash();
  EXPECT_FALSE(c.ledger().apply_block(BlockInfo{2, Hash32{}}, {}));
  EXPECT_FALSE(c.ledger().apply_block(BlockInfo{0, Hash32{}}, {}));
  std::vector<Bytes> txs;
  for (int i = 0; i < 10; ++i) txs.push_back(c.tx(user(0), body::transfer(addr(user(1)), GC)));
  EXPECT_FALSE(c.ledger().apply_block(BlockInfo{1, Hash32{}}, txs));  // ~10 x 160 bytes
  EXPECT_EQ(c.ledger().height(), 0u);
  EXPECT_EQ(c.ledger().app_hash(), genesis_hash);
  txs.resize(5);
  EXPECT_TRUE(c.ledger().apply_block(BlockInfo{1, Hash32{}}, txs));
}

}  // namespace
}  // namespace ghost::ledger
