// Inside the ledger: one block's execution over a BlockState. Body handlers and the money
// helpers return TxResult; on a failure the caller discards the body's writes (the fee and
// nonce stay). Exceptions are left for programming errors and a corrupt database.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "consensus/ledger/ledger.h"
#include "consensus/ledger/state_keys.h"
#include "consensus/ledger/state_store.h"
#include "consensus/ledger/tx_check.h"
#include "proto/genesis.pb.h"
#include "proto/state.pb.h"

namespace ghost::ledger {

TxResult<uint64_t> add_checked(uint64_t a, uint64_t b);  // OVERFLOW instead of wrapping

class Exec {
 public:
  Exec(BlockState& st, const pb::Params& params, const std::string& chain_id, const BlockInfo& block);

  // Writes the state of height 0 (genesis already validated).
  TxResult<void> genesis(const pb::Genesis& g);
  // Applies one checked tx: nonce and fee first (a failure there changes nothing), then the
  // body (a failure discards its writes). Returns the receipt.
  pb::Receipt apply(const CheckedTx& tx, uint32_t index);
  // End of block: settlements, deadlines, unbonding completions, reward, epoch. Returns the
  // new validator set when it changed. Fails only if a credit would overflow u64.
  TxResult<std::optional<pb::ValidatorSet>> end_block();
  // Writes the records kept in memory during the block (the supply).
  void flush();

  // --- records ---
  pb::Account account(const Address& a) const;
  void put_account(const Address& a, const pb::Account& acc);
  std::optional<pb::StakeInfo> stake(pb::StakeRole role, const Address& a) const;
  void put_stake(const pb::StakeInfo& s);
  std::optional<pb::ModelInfo> model(const Hash32& id) const;
  void add_model(const Hash32& id, const pb::GhostFile& file);  // version 0, unpinned
  pb::ModelVersion model_version(const Hash32& id, uint64_t version) const;  // must exist
  std::optional<pb::Job> job(const Hash32& id) const;
  void put_job(const pb::Job& j);
  pb::KeyList key_list(const std::string& key) const;
  void put_key_list(const std::string& key, const pb::KeyList& l);
  void add_sorted(const std::string& list_key, const std::string& item);
  void remove_item(const std::string& list_key, const std::string& item);
  void schedule(uint64_t height, keys::Due kind, const std::string& item);
  pb::Supply& supply() { return supply_; }

  // --- money: every amount leaves one holder and enters another, or is minted / burned ---
  TxResult<void> credit(const Address& a, uint64_t amount);                  // OVERFLOW
  TxResult<void> debit(const Address& a, uint64_t amount, const char* what);  // INSUFFICIENT_FUNDS
  TxResult<void> burn(uint64_t amount);                                       // OVERFLOW
  TxResult<void> to_reward_pool(uint64_t amount);                             // OVERFLOW

  // --- model versions referenced by pending jobs ---
  void pin(const Hash32& model, uint64_t version);
  void unpin(const Hash32& model, uint64_t version);

  // --- staking ---
  // Takes ppm of the bonded and of every unbonding amount; returns the total taken.
  TxResult<uint64_t> slash(pb::StakeInfo& s, uint32_t ppm);
  // Takes up to `amount`, from the bonded first, then the unbonding entries in order;
  // returns what it took (less than amount when the stake holds less).
  TxResult<uint64_t> slash_amount(pb::StakeInfo& s, uint64_t amount);
  void jail(pb::StakeInfo& s);

  const pb::Params& params() const { return params_; }
  const BlockInfo& block() const { return block_; }
  const std::string& chain_id() const { return chain_id_; }

 private:
  TxResult<void> run_body(const CheckedTx& tx);

  // bodies (one .cpp each); a failure's writes are discarded by apply()
  TxResult<void> transfer(const CheckedTx& tx, const pb::Transfer& t);
  TxResult<void> stake_tx(const CheckedTx& tx, const pb::Stake& s);
  TxResult<void> unstake_tx(const CheckedTx& tx, const pb::Unstake& u);
  TxResult<void> unjail_tx(const CheckedTx& tx, const pb::Unjail& u);
  TxResult<void> register_model(const CheckedTx& tx, const pb::RegisterModel& r);
  TxResult<void> inference_request(const CheckedTx& tx, const pb::InferenceRequest& r);
  TxResult<void> inference_result(const CheckedTx& tx, const pb::InferenceResult& r);
  TxResult<void> train_request(const CheckedTx& tx, const pb::TrainRequest& r);
  TxResult<void> train_result(const CheckedTx& tx, const pb::TrainResult& r);
  // The one body with two kinds of failure: an error is discarded like any other body's;
  // a returned TxError (CHALLENGE_REJECTED: the bond is forfeited) keeps its effects.
  // nullopt on success.
  TxResult<std::optional<TxError>> challenge(const CheckedTx& tx, const pb::Challenge& c);
  TxResult<void> evidence(const CheckedTx& tx, const pb::Evidence& e);
  // A proven search fault in the worker's window; jails and slashes at max_faults_per_window.
  TxResult<void> count_fault(pb::StakeInfo& worker);
  // Discards every version after `start` (a proven training step made start + 1): the later
  // steps' jobs are rolled back and their clients refunded; `start` becomes current.
  TxResult<void> roll_back(const Hash32& model_id, uint64_t start);

  // jobs (jobs.cpp)
  TxResult<pb::Job> open_job(const CheckedTx& tx, pb::JobKind kind, const pb::ModelInfo& model, uint64_t max_fee,
                             uint64_t deadline);
  TxResult<void> check_answerable(const pb::Job& j, const CheckedTx& tx, pb::JobKind kind) const;
  // Keeps H(encode(proof)) on the job: a challenge brings the proof and must match it.
  void keep_proof_hash(pb::Job& j, const pb::GhostProof& proof);
  // The job leaves ASSIGNED: its worker has room for one more.
  void close_open_job(const pb::Job& j);
  void answered(pb::Job& j);
  TxResult<void> settle(const Hash32& job_id);
  TxResult<void> expire(const Hash32& job_id);
  // end of block (epoch.cpp)
  TxResult<void> complete_unbonding(const std::string& stake_key);
  TxResult<void> distribute_rewards();
  pb::ValidatorSet compute_validator_set() const;

  BlockState& st_;
  const pb::Params& params_;
  const std::string& chain_id_;
  BlockInfo block_;
  pb::Supply supply_;
  bool validators_jailed_ = false;
};

}  // namespace ghost::ledger
