// The committed chain as consensus sees it: the ledger, the block store and the proposer
// schedules, behind the engine's BftApp interface. It builds this node's proposals from the
// mempool, hands out what checking a proposed block needs, and applies decided blocks
// (block store first, then the ledger state, then the mempool).
//
// Not thread-safe: the node's core thread owns it. check_block() is the part that may run
// elsewhere, on a BlockContext copied out beforehand.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "consensus/bft/engine.h"
#include "consensus/ledger/ledger.h"
#include "node/chain/block_store.h"
#include "node/mempool/mempool.h"

namespace ghost::chain {

// What checking a block of the next height needs from the committed chain.
struct BlockContext {
  std::string chain_id;
  uint64_t height = 0;  // the height the block must have
  Hash32 prev_hash;     // zero at height 1
  uint64_t min_time_ms = 0;  // the block's time must be above the parent's (genesis time at height 1)
  Hash32 app_hash;
  bft::ValidatorSet set;       // of `height`
  bft::ValidatorSet prev_set;  // of `height - 1` (its commit is carried); empty at height 1
  uint64_t max_block_bytes = 0;
  uint64_t max_clock_drift_ms = 0;
};

// Everything a block must satisfy besides its execution (docs/protocol.md §5.8): header
// fields against the context, tx root, the carried commit of the parent, time not going back
// and not beyond now + drift, the size limit, and every tx's stateless checks (signatures
// through the checker's cache, on `threads` threads).
Result<void> check_block(const pb::Block& block, const BlockContext& ctx, const ledger::TxChecker& checker,
                         uint64_t now_ms, unsigned threads);

Hash32 header_hash(const pb::BlockHeader& header);
// The committed Merkle root over the txs' ids.
Hash32 tx_root(const pb::Block& block);

// One decided block after it was applied.
struct Applied {
  pb::Block block;
  Hash32 hash;
  pb::BlockResults results;
  std::vector<Hash32> tx_ids;
  // Each tx's stateless checks, in block order: decoded with its sender, or why it failed them.
  std::vector<ledger::TxResult<ledger::CheckedTx>> checked;
  std::vector<Hash32> dropped_from_mempool;  // included ones and ones that can no longer apply
};

// Tx i of an applied block: its body and sender as its checks decoded them, or decoded again
// into `scratch` for a tx that failed them (it still has a receipt); null body when it does
// not decode, no sender when its key is not one.
struct AppliedTx {
  const pb::TxBody* body = nullptr;
  std::optional<Address> sender;
};
AppliedTx applied_tx(const Applied& a, size_t i, pb::TxBody& scratch);

struct ChainOptions {
  uint64_t max_clock_drift_ms = 2000;
  uint64_t max_proposal_bytes = 2u << 20;  // this node's proposals carry at most this many tx bytes
  std::function<uint64_t()> now_ms;  // wall clock, ms since the epoch
  unsigned check_threads = 0;        // for the stateless tx checks of a block (0 = all cores)
};

class Chain : public bft::BftApp {
 public:
  // Opens the block store and the ledger state under `data` and brings them level: a
  // ledger behind the store (a crash between the two commits) executes the stored blocks
  // again; a ledger ahead of the store is an error (the block store was lost).
  static Result<std::unique_ptr<Chain>> open(const std::filesystem::path& blocks_dir,
                                             const std::filesystem::path& state_dir, const pb::Genesis& genesis,
                                             std::shared_ptr<SigCache> cache, mempool::Mempool& mempool,
                                             std::optional<PublicKey> proposer, ChainOptions options);

  // --- bft::BftApp ---
  const bft::ValidatorSet& validators(uint64_t height) override;
  pb::Block propose_block(uint64_t height, uint32_t round) override;
  Hash32 block_hash(const pb::Block& block) override { return header_hash(block.header()); }

  BlockContext context() const;  // for a block of height() + 1
  // Stores, executes and commits the decided block of height() + 1, then updates the mempool.
  Result<Applied> apply(const pb::Block& block, const pb::Commit& commit);

  uint64_t height() const { return ledger_->height(); }
  const ledger::Ledger& ledger() const { return *ledger_; }
  const BlockStore& store() const { return *store_; }
  const pb::Genesis& genesis() const { return genesis_; }
  mempool::StateView state_view() const;
  // Block `height` with a commit for it: the one the next block carries, or for the newest
  // block the precommits this node saw (what block sync serves).
  std::optional<std::pair<pb::Block, pb::Commit>> block_with_commit(uint64_t height) const;

 private:
  Chain() = default;
  Result<void> catch_up_ledger();
  Hash32 parent_hash(uint64_t height) const;  // of block height - 1; zero at height 1
  bft::ValidatorSet next_schedule(const bft::ValidatorSet& current, const std::optional<pb::ValidatorSet>& changed) const;

  pb::Genesis genesis_;
  ChainOptions options_;
  std::unique_ptr<BlockStore> store_;
  std::unique_ptr<ledger::Ledger> ledger_;
  mempool::Mempool* mempool_ = nullptr;
  std::optional<PublicKey> proposer_;
  std::map<uint64_t, bft::ValidatorSet> schedules_;  // the current and previous heights'
};

}  // namespace ghost::chain
