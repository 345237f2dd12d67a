// The committed chain (node/chain/chain.h): proposing from the mempool, checking blocks,
// applying them, and repairing a crash between the block store and the ledger commits.
#include <gtest/gtest.h>

#include "node/chain/block_store.h"
#include "proto/decode.h"
#include "tests/unit/chain/chain_kit.h"

namespace ghost::chain {
namespace {

using namespace kit;

TEST(Chain, ProposedBlocksCheckApplyAndMoveBalances) {
  ChainKit k;
  const uint64_t before = k.chain->ledger().account(Address::of(user(1).public_key())).balance();
  Hash32 id = k.transfer(0, 1, 500, 0);
  k.transfer(0, 1, 500, 1);
  const uint64_t h = k.chain->height() + 1;
  pb::Block b = k.chain->propose_block(h, 0);
  ASSERT_EQ(b.txs_size(), 2);
  auto ok = check_block(b, k.chain->context(), k.chain->ledger().checker(), k.now, 1);
  ASSERT_TRUE(ok) << ok.error().message;
  auto applied = k.chain->apply(b, commit_for(b, k.chain->validators(h)));
  ASSERT_TRUE(applied) << applied.error().message;
  EXPECT_EQ(applied->tx_ids.front(), id);
  EXPECT_EQ(applied->results.receipts(0).status(), pb::OK);
  EXPECT_EQ(k.pool.size(), 0u);
  EXPECT_EQ(k.chain->ledger().account(Address::of(user(1).public_key())).balance(), before + 1000);
  auto loc = k.chain->store().find_tx(id);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->height, h);
  EXPECT_EQ(loc->index, 0u);
  for (int i = 0; i < 4; ++i) k.next_block();
  EXPECT_EQ(k.chain->height(), h + 4);
  // The next block carries this node's seen commit of the last one; older ones carry the
  // commit their child carries.
  auto bc = k.chain->block_with_commit(h);
  ASSERT_TRUE(bc);
  EXPECT_EQ(bc->second.SerializeAsString(), k.chain->store().block(h + 1)->last_commit().SerializeAsString());
  EXPECT_TRUE(k.chain->block_with_commit(k.chain->height()));
  EXPECT_FALSE(k.chain->block_with_commit(k.chain->height() + 1));
}

// What commit handlers read of each tx (the API's events, the metrics): a tx that passed its
// checks comes from them, one that failed them (here a bad signature) is decoded again.
TEST(Chain, AppliedTxsGiveBodyAndSenderWhetherOrNotTheyPassedTheirChecks) {
  ChainKit k;
  k.transfer(0, 1, 500, 0);
  const uint64_t h = k.chain->height() + 1;
  pb::Block b = k.chain->propose_block(h, 0);
  ASSERT_EQ(b.txs_size(), 1);
  pb::TxEnvelope forged = *pb::decode_as<pb::TxEnvelope>(as_bytes(b.txs(0)));
  (*forged.mutable_signature())[0] ^= 1;
  const Bytes forged_raw = pb::encode(forged);
  b.add_txs(std::string(forged_raw.begin(), forged_raw.end()));
  b.add_txs("not a tx");
  b.mutable_header()->set_tx_root(std::string(reinterpret_cast<const char*>(tx_root(b).data()), 32));
  auto applied = k.chain->apply(b, commit_for(b, k.chain->validators(h)));
  ASSERT_TRUE(applied) << applied.error().message;
  ASSERT_EQ(applied->checked.size(), 3u);
  EXPECT_TRUE(applied->checked[0]);
  EXPECT_FALSE(applied->checked[1]);
  const Address sender = Address::of(user(0).public_key());
  for (size_t i : {0u, 1u}) {
    pb::TxBody scratch;
    const AppliedTx tx = applied_tx(*applied, i, scratch);
    ASSERT_TRUE(tx.body) << i;
    EXPECT_TRUE(tx.body->has_transfer()) << i;
    EXPECT_EQ(tx.sender, sender) << i;
    EXPECT_EQ(tx.body == &scratch, i == 1) << "only the failed one is decoded again";
  }
  pb::TxBody scratch;
  const AppliedTx junk = applied_tx(*applied, 2, scratch);
  EXPECT_FALSE(junk.body);
  EXPECT_FALSE(junk.sender);
}

TEST(Chain, EveryBrokenFieldFailsTheChecks) {
  ChainKit k;
  k.next_block();
  k.transfer(2, 3, 1, 0);
  const pb::Block good = k.chain->propose_block(k.chain->height() + 1, 0);
  const BlockContext ctx = k.chain->context();
  const auto& checker = k.chain->ledger().checker();
  ASSERT_TRUE(check_block(good, ctx, checker, k.now, 1));
  auto expect_refused = [&](const char* what, auto mutate, Errc code) {
    pb::Block b = good;
    mutate(b);
    auto r = check_block(b, ctx, checker, k.now, 1);
    ASSERT_FALSE(r) << what;
    EXPECT_EQ(r.error().code, code) << what << ": " << r.error().message;
  };
  auto hd = [](pb::Block& b) { return b.mutable_header(); };
  expect_refused("chain", [&](pb::Block& b) { hd(b)->set_chain_id("other"); }, Errc::kMismatch);
  expect_refused("height", [&](pb::Block& b) { hd(b)->set_height(9); }, Errc::kMismatch);
  expect_refused("parent", [&](pb::Block& b) { hd(b)->set_prev_hash(std::string(32, 'x')); }, Errc::kMismatch);
  expect_refused("app hash", [&](pb::Block& b) { hd(b)->set_app_hash(std::string(32, 'x')); }, Errc::kMismatch);
  expect_refused("validators", [&](pb::Block& b) { hd(b)->set_validators_hash(std::string(32, 'x')); }, Errc::kMismatch);
  expect_refused("proposer", [&](pb::Block& b) { hd(b)->set_proposer(std::string(32, 'x')); }, Errc::kInvalid);
  expect_refused("time back", [&](pb::Block& b) { hd(b)->set_time_ms(ctx.min_time_ms - 1); }, Errc::kInvalid);
  expect_refused("time ahead", [&](pb::Block& b) { hd(b)->set_time_ms(k.now + 60'000); }, Errc::kMismatch);
  expect_refused("tx root", [&](pb::Block& b) { hd(b)->set_tx_root(std::string(32, 'x')); }, Errc::kInvalid);
  expect_refused("extra tx", [&](pb::Block& b) { b.add_txs("garbage"); }, Errc::kInvalid);
  expect_refused("bad tx", [&](pb::Block& b) {
    std::string tx = b.txs(0);
    tx[tx.size() - 1] ^= 1;  // the signature's last byte
    b.set_txs(0, tx);
    hd(b)->set_tx_root(std::string(reinterpret_cast<const char*>(tx_root(b).data()), 32));
  }, Errc::kInvalid);
  expect_refused("last commit hash", [&](pb::Block& b) { hd(b)->set_last_commit_hash(std::string(32, 'x')); }, Errc::kInvalid);
  expect_refused("last commit", [&](pb::Block& b) {
    b.mutable_last_commit()->mutable_precommits()->RemoveLast();
    b.mutable_last_commit()->mutable_precommits()->RemoveLast();
    b.mutable_last_commit()->mutable_precommits()->RemoveLast();
    hd(b)->set_last_commit_hash(std::string(reinterpret_cast<const char*>(sha256(pb::encode(b.last_commit())).data()), 32));
  }, Errc::kInvalid);
}

TEST(Chain, LedgerBehindTheBlockStoreIsReplayed) {
  ChainKit k;
  k.transfer(0, 1, 7, 0);
  k.next_block();
  k.next_block();
  // Keep the ledger as it was at height 2, then commit height 3: the copy is a node that
  // crashed after storing block 3 but before committing its state.
  const auto saved = k.dir.path / "state-at-2";
  std::filesystem::copy(k.dir.path / "state", saved, std::filesystem::copy_options::recursive);
  k.transfer(1, 2, 9, 0);
  Applied third = k.next_block();
  k.chain.reset();
  std::filesystem::remove_all(k.dir.path / "state");
  std::filesystem::rename(saved, k.dir.path / "state");
  k.reopen();
  EXPECT_EQ(k.chain->height(), 3u);
  EXPECT_EQ(k.chain->ledger().app_hash().hex(), to_hex(as_bytes(third.results.app_hash())));
}

TEST(Chain, LedgerAheadOfTheBlockStoreIsRefused) {
  ChainKit k;
  k.next_block();
  const auto saved = k.dir.path / "blocks-at-1";
  std::filesystem::copy(k.dir.path / "blocks", saved, std::filesystem::copy_options::recursive);
  k.next_block();
  k.chain.reset();
  std::filesystem::remove_all(k.dir.path / "blocks");
  std::filesystem::rename(saved, k.dir.path / "blocks");
  auto r = k.open();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kCorrupt);
  EXPECT_NE(r.error().message.find("block store"), std::string::npos) << r.error().message;
}

TEST(Chain, ADecidedBlockOnAnotherStateStopsTheNode) {
  // A synced block skips the proposal checks: applying it is where divergence shows.
  ChainKit k;
  k.next_block();
  const uint64_t h = k.chain->height() + 1;
  pb::Block b = k.chain->propose_block(h, 0);
  b.mutable_header()->set_app_hash(std::string(32, '\x07'));
  const uint64_t before = k.chain->height();
  auto r = k.chain->apply(b, commit_for(b, k.chain->validators(h)));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kCorrupt);
  EXPECT_NE(r.error().message.find("diverged"), std::string::npos) << r.error().message;
  EXPECT_EQ(k.chain->height(), before) << "nothing stored";
}

TEST(BlockStore, ATxIncludedAgainKeepsItsFirstReceipt) {
  ChainKit k;
  const Hash32 id = k.transfer(0, 1, 5, 0);
  const Applied first = k.next_block();
  const uint64_t h1 = k.chain->height();
  // A proposer puts the committed tx in again, twice: it fails on its nonce both times.
  k.now += 1000;
  const uint64_t h = h1 + 1;
  pb::Block b = k.chain->propose_block(h, 0);
  *b.add_txs() = first.block.txs(0);
  *b.add_txs() = first.block.txs(0);
  auto again = k.chain->apply(b, commit_for(b, k.chain->validators(h)));
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_NE(again->results.receipts(0).status(), pb::OK);
  auto loc = k.chain->store().find_tx(id);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->height, h1);
  EXPECT_EQ(loc->index, 0u);
}

TEST(Chain, AnotherGenesisIsRefused) {
  ChainKit k;
  k.next_block();
  k.chain.reset();
  k.genesis.mutable_params()->set_base_fee(k.genesis.params().base_fee() + 1);
  auto r = k.open();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kMismatch);
}

TEST(BlockStore, SchedulesRoundTripWithPriorities) {
  ChainKit k;
  for (int i = 0; i < 6; ++i) k.next_block();
  auto s = k.chain->store().schedule(k.chain->height() + 1);
  ASSERT_TRUE(s);
  auto back = schedule_from_proto(schedule_to_proto(*s));
  ASSERT_TRUE(back);
  ASSERT_EQ(back->size(), s->size());
  for (size_t i = 0; i < s->size(); ++i) {
    EXPECT_EQ(back->validators()[i].key, s->validators()[i].key);
    EXPECT_EQ(back->validators()[i].priority, s->validators()[i].priority);
  }
  EXPECT_EQ(back->proposer_index(), s->proposer_index());
  pb::ProposerSchedule bad = schedule_to_proto(*s);
  bad.set_proposer(99);
  EXPECT_EQ(schedule_from_proto(bad).error().code, Errc::kCorrupt);
}

}  // namespace
}  // namespace ghost::chain
