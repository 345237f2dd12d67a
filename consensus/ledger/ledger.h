// The ledger (docs/protocol.md §4): a deterministic function of (state, block) that the consensus
// layer drives, over a LevelDB state store, plus the queries RPC serves.
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "consensus/ledger/state_store.h"
#include "consensus/ledger/tx_check.h"
#include "proto/genesis.pb.h"
#include "proto/state.pb.h"
#include "proto/tx.pb.h"

namespace ghost::ledger {

// What execution needs to know of the block besides its txs.
struct BlockInfo {
  uint64_t height = 0;
  Hash32 prev_block_hash;  // seeds worker assignment
};

struct BlockResult {
  std::vector<pb::Receipt> receipts;  // one per tx, in block order
  Hash32 app_hash;                    // commits to the state after this block
  std::optional<pb::ValidatorSet> validator_set;  // the next set, when it changed
};

struct ExecutedBlock {
  uint64_t height = 0;
  BlockResult result;
  WriteSet writes;
};

class Ledger {
 public:
  // Opens the state in `dir`, writing the genesis state (height 0) into an empty store.
  // A store grown from another genesis is refused. `cache` may be shared with a mempool.
  static Result<std::unique_ptr<Ledger>> open(const std::string& dir, const pb::Genesis& genesis,
                                               std::shared_ptr<SigCache> cache = std::make_shared<SigCache>());

  uint64_t height() const { return store_->height(); }
  const Hash32& app_hash() const { return store_->app_hash(); }
  const std::string& chain_id() const { return chain_id_; }
  const pb::Params& params() const { return params_; }
  const TxChecker& checker() const { return checker_; }

  // Executes block `block.height`, which must be height() + 1 and carry at most
  // max_block_bytes of txs, without changing the state: the result and the writes that
  // commit() makes durable. Txs failing the stateless checks or the nonce / fee-balance
  // checks get a receipt and change nothing; only receipts of txs that paid their fee are
  // written. The node stores the result with the block before committing the state, so a
  // crash in between is repaired by executing the block again.
  Result<ExecutedBlock> execute(const BlockInfo& block, std::span<const Bytes> txs) const;
  // The same, where the caller already ran checked[i] = checker().check(txs[i]) (on several
  // cores, say): execution does not decode and hash every tx again.
  Result<ExecutedBlock> execute(const BlockInfo& block, std::span<const Bytes> txs,
                                std::span<const TxResult<CheckedTx>> checked) const;
  // Commits an executed block in one synced batch; it must be the next height.
  Result<void> commit(const ExecutedBlock& executed);
  // execute() then commit().
  Result<BlockResult> apply_block(const BlockInfo& block, std::span<const Bytes> txs);

  // --- queries on the committed state ---
  pb::Account account(const Address& a) const;
  std::optional<pb::StakeInfo> stake(pb::StakeRole role, const Address& a) const;
  std::vector<pb::StakeInfo> stakes(pb::StakeRole role) const;
  std::vector<pb::StakeInfo> model_workers(const Hash32& model_id) const;  // registered, jailed or not
  // Jobs of the model the chain could still assign now: the free capacity of its eligible
  // workers (not jailed, bonded at least min_stake_worker), whatever their price.
  uint64_t job_room(const Hash32& model_id) const;
  pb::ValidatorSet validator_set() const;
  std::optional<pb::ModelInfo> model(const Hash32& id) const;
  std::vector<pb::ModelInfo> models() const;
  std::optional<pb::ModelVersion> model_version(const Hash32& id, uint64_t version) const;
  std::optional<pb::Job> job(const Hash32& id) const;
  std::vector<pb::Job> jobs() const;
  std::optional<pb::Receipt> receipt(const Hash32& tx_id) const;
  pb::Supply supply() const;
  std::vector<std::pair<Address, pb::Account>> accounts() const;

 private:
  Ledger(std::unique_ptr<StateStore> store, const pb::Genesis& genesis, std::shared_ptr<SigCache> cache);
  template <class M>
  std::vector<M> scan_all(std::string prefix) const;

  std::unique_ptr<StateStore> store_;
  std::string chain_id_;
  pb::Params params_;
  TxChecker checker_;
};

}  // namespace ghost::ledger
