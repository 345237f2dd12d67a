// The block store (node/chain/block_store.h): bodies and headers read back after a reopen; a
// body a crash left without its index is cut off at open and written over; a bodies file
// missing indexed bytes, and a store that kept its blocks inside LevelDB, are refused with
// what to do; the tx index takes the caller's ids, and ids that do not match write nothing.
#include <gtest/gtest.h>
#include <leveldb/db.h>

#include <fstream>

#include "tests/unit/chain/chain_kit.h"

namespace ghost::chain {
namespace {

using kit::ChainKit;

std::filesystem::path bodies(const ChainKit& k) { return k.dir.path / "blocks" / "bodies"; }

// Five blocks of one to five transfers (bodies of different sizes).
std::vector<pb::Block> five_blocks(ChainKit& k) {
  std::vector<pb::Block> out;
  for (uint64_t i = 0; i < 5; ++i) {
    for (uint64_t j = 0; j <= i; ++j) k.transfer(0, 1, 1 + j, i * (i + 1) / 2 + j);
    out.push_back(k.next_block().block);
  }
  return out;
}

void expect_blocks(const ChainKit& k, const std::vector<pb::Block>& want) {
  for (size_t i = 0; i < want.size(); ++i) {
    auto b = k.chain->store().block(i + 1);
    ASSERT_TRUE(b) << "height " << i + 1;
    EXPECT_EQ(b->SerializeAsString(), want[i].SerializeAsString()) << "height " << i + 1;
    auto h = k.chain->store().header(i + 1);
    ASSERT_TRUE(h) << "height " << i + 1;
    EXPECT_EQ(h->SerializeAsString(), want[i].header().SerializeAsString()) << "height " << i + 1;
  }
  EXPECT_FALSE(k.chain->store().block(want.size() + 1));
  EXPECT_FALSE(k.chain->store().header(want.size() + 1));
}

TEST(BlockStore, BodiesAndHeadersReadBackAfterAReopen) {
  ChainKit k;
  const auto blocks = five_blocks(k);
  ASSERT_EQ(blocks.back().txs_size(), 5);
  expect_blocks(k, blocks);
  k.reopen();
  EXPECT_EQ(k.chain->height(), 5u);
  expect_blocks(k, blocks);
}

TEST(BlockStore, ABodyACrashLeftWithoutItsIndexIsCutAndWrittenOver) {
  ChainKit k;
  auto blocks = five_blocks(k);
  k.chain.reset();
  const uint64_t size = std::filesystem::file_size(bodies(k));
  {
    std::ofstream tail(bodies(k), std::ios::binary | std::ios::app);
    tail << std::string(5000, '\x5a');  // a body whose index batch never landed
  }
  k.reopen();
  EXPECT_EQ(std::filesystem::file_size(bodies(k)), size);
  k.transfer(2, 3, 4, 0);
  blocks.push_back(k.next_block().block);
  expect_blocks(k, blocks);
  k.reopen();
  expect_blocks(k, blocks);
}

TEST(BlockStore, ABodiesFileMissingIndexedBytesIsRefused) {
  ChainKit k;
  five_blocks(k);
  k.chain.reset();
  std::filesystem::resize_file(bodies(k), std::filesystem::file_size(bodies(k)) - 1);
  auto cut = k.open();
  ASSERT_FALSE(cut);
  EXPECT_EQ(cut.error().code, Errc::kCorrupt);
  EXPECT_NE(cut.error().message.find("shorter than the blocks it indexes"), std::string::npos) << cut.error().message;
  std::filesystem::remove(bodies(k));
  auto gone = k.open();
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code, Errc::kCorrupt);
}

TEST(BlockStore, AStoreThatKeptItsBlocksInsideLevelDbIsRefused) {
  ChainKit k;
  five_blocks(k);
  k.chain.reset();
  {  // what an older ghostd left: no body place for the head block
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(leveldb::Options(), (k.dir.path / "blocks").string(), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::string key(1, 'B');
    for (int i = 7; i >= 0; --i) key.push_back(char(uint64_t(5) >> (8 * i)));
    std::string place;
    ASSERT_TRUE(db->Get(leveldb::ReadOptions(), key, &place).ok());
    ASSERT_TRUE(db->Delete(leveldb::WriteOptions(), key).ok());
  }
  auto r = k.open();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::kCorrupt);
  EXPECT_NE(r.error().message.find("older ghostd"), std::string::npos) << r.error().message;
}

TEST(BlockStore, TxIdsThatDoNotMatchTheTxsAreRefusedAndNothingIsWritten) {
  test::TempDir dir{"block-store"};
  auto store = std::move(*BlockStore::open(dir.path / "blocks"));
  StoredBlock s;
  s.block.mutable_header()->set_height(1);
  s.commit.set_height(1);
  for (const std::string tx : {"first", "second"}) {
    s.block.add_txs(tx);
    s.tx_ids.push_back(sha256(as_bytes(tx)));
  }
  const Hash32 second = s.tx_ids.back();
  s.tx_ids.pop_back();
  auto r = store->append(s);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("1 tx ids for 2 txs"), std::string::npos) << r.error().message;
  EXPECT_EQ(store->height(), 0u);
  EXPECT_FALSE(store->block(1));
  EXPECT_FALSE(store->find_tx(s.tx_ids[0]));
  EXPECT_EQ(std::filesystem::file_size(dir.path / "blocks" / "bodies"), 0u);
  s.tx_ids.push_back(second);
  ASSERT_TRUE(store->append(s));
  auto loc = store->find_tx(second);
  ASSERT_TRUE(loc);
  EXPECT_EQ(loc->height, 1u);
  EXPECT_EQ(loc->index, 1u);
}

}  // namespace
}  // namespace ghost::chain
