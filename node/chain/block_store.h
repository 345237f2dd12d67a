// The node's blocks: each committed block with the commit that decided it, its results
// (receipts, app hash), the proposer schedule of the next height, and indexes from block hash
// and tx id to where they are. Block bodies go to one append-only file (`bodies` in the
// store's folder), written once, where LevelDB would log them, write them to a table and
// compact them again and again; LevelDB holds the rest and where each body is. A body is
// synced before the one batch of everything else about its block, and that batch before the
// ledger commits the block's state: a ledger found behind the store after a crash executes
// the stored block again, and bytes past the last indexed body (a crash between the two
// writes) are cut off at open.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "base/result.h"
#include "consensus/bft/validator_set.h"
#include "crypto/hash.h"
#include "proto/block.pb.h"
#include "proto/store.pb.h"

namespace leveldb {
class DB;
}

namespace ghost::chain {

struct TxLocation {
  uint64_t height = 0;
  uint32_t index = 0;
};

// Everything stored for one height, in one batch.
struct StoredBlock {
  pb::Block block;
  pb::Commit commit;                 // the precommits this node saw decide it
  pb::BlockResults results;
  bft::ValidatorSet next_schedule;   // round-0 schedule of height + 1
  std::vector<Hash32> tx_ids;        // of block.txs, in order (for the tx index)
};

class BlockStore {
 public:
  // Opens or creates the store in `dir`.
  static Result<std::unique_ptr<BlockStore>> open(const std::filesystem::path& dir);
  ~BlockStore();
  BlockStore(const BlockStore&) = delete;
  BlockStore& operator=(const BlockStore&) = delete;

  uint64_t height() const { return height_; }  // 0 when empty

  // Stores block height() + 1 (anything else, or tx ids that do not match the txs in number,
  // is refused, nothing written).
  Result<void> append(const StoredBlock& stored);
  // The schedule of height 1, stored once before the first block.
  Result<void> put_genesis_schedule(const bft::ValidatorSet& set);

  std::optional<pb::Block> block(uint64_t height) const;
  // The header alone (a few hundred bytes, where the block may be megabytes).
  std::optional<pb::BlockHeader> header(uint64_t height) const;
  std::optional<pb::Commit> commit(uint64_t height) const;
  std::optional<pb::BlockResults> results(uint64_t height) const;
  std::optional<bft::ValidatorSet> schedule(uint64_t height) const;
  std::optional<uint64_t> height_of(const Hash32& block_hash) const;
  std::optional<TxLocation> find_tx(const Hash32& tx_id) const;

 private:
  BlockStore() = default;
  std::unique_ptr<leveldb::DB> db_;
  int bodies_ = -1;          // the bodies file
  uint64_t bodies_end_ = 0;  // where the next body goes
  uint64_t height_ = 0;
};

// Validator sets with priorities to and from their stored form.
pb::ProposerSchedule schedule_to_proto(const bft::ValidatorSet& set);
Result<bft::ValidatorSet> schedule_from_proto(const pb::ProposerSchedule& p);

}  // namespace ghost::chain
