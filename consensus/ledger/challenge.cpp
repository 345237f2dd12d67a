// Challenge: a search fraud proof against an answered job in its challenge window (the
// canonical search selects another set than the answer). Proven: a fault, priced by the job:
// the client gets the escrow back, and the worker's stake pays fault_penalty_prices times the
// job's price, part to the challenger and the rest to the client. An honest worker's answer is
// the canonical one and cannot be proven faulty; max_faults_per_window proven faults inside
// one window jail (with a slash of slash_fraction_fraud of the stake, burned). A proven training step is undone with every
// step built on it. Not proven: the challenger's bond is burned.
#include "consensus/ledger/exec.h"
#include "consensus/ledger/proofs.h"
#include "consensus/ledger/params.h"
#include "crypto/hash.h"
#include "proto/decode.h"

namespace ghost::ledger {

using pb::TxCode;

namespace {

// n * price, saturating: the stake can only pay what it holds anyway.
uint64_t times(uint64_t n, uint64_t price) {
  const unsigned __int128 p = static_cast<unsigned __int128>(n) * price;
  return p > UINT64_MAX ? UINT64_MAX : static_cast<uint64_t>(p);
}

}  // namespace

TxResult<void> Exec::count_fault(pb::StakeInfo& worker) {
  const uint64_t h = block_.height;
  if (worker.window_faults() == 0 || h - worker.window_start() >= params_.fault_window_blocks()) {
    worker.set_window_start(h);
    worker.set_window_faults(0);
  }
  worker.set_window_faults(worker.window_faults() + 1);
  worker.set_faults(worker.faults() + 1);
  if (params_.max_faults_per_window() == 0 || worker.window_faults() < params_.max_faults_per_window()) return {};
  auto cut = slash(worker, params_.slash_fraction_fraud_ppm());
  if (!cut) return std::unexpected(cut.error());
  if (auto b = burn(*cut); !b) return b;
  jail(worker);
  worker.set_window_faults(0);
  return {};
}

TxResult<void> Exec::roll_back(const Hash32& model_id, uint64_t start) {
  pb::ModelInfo m = *model(model_id);
  for (uint64_t u = m.version(); u > start; --u) {
    const pb::ModelVersion v = model_version(model_id, u);
    auto later = job(Hash32::from_span(as_bytes(v.created_by())));
    if (u > start + 1 && later && later->status() == pb::ANSWERED) {
      if (auto r = credit(*Address::from_bytes(as_bytes(later->client())), later->max_fee()); !r) return r;
      later->set_status(pb::ROLLED_BACK);
      later->set_closed_height(block_.height);
      later->clear_proof_hash();
      put_job(*later);
    }
    st_.erase(keys::model_version(model_id, u));  // with it, the later step's pin on u - 1
  }
  m.set_version(start);
  st_.put(keys::model(model_id), dump(m));
  return {};
}

TxResult<std::optional<TxError>> Exec::challenge(const CheckedTx& tx, const pb::Challenge& c) {
  const Hash32 job_id = Hash32::from_span(as_bytes(c.job_id()));
  auto j = job(job_id);
  if (!j) return tx_fail(TxCode::UNKNOWN_JOB, "no such job");
  if (j->status() == pb::SETTLED) return tx_fail(TxCode::CHALLENGE_WINDOW_CLOSED, "the job is settled");
  if (j->status() != pb::ANSWERED) return tx_fail(TxCode::JOB_NOT_OPEN, "only an answered job can be challenged");
  const Hash32 answer_hash = sha256(pb::encode(c.answer()));
  if (std::string(answer_hash.bytes.begin(), answer_hash.bytes.end()) != j->proof_hash())
    return tx_fail(TxCode::BAD_PROOF, "the answer is not the one the job's result carried");
  const uint64_t bond = params_.challenge_bond();
  if (auto d = debit(tx.sender_address, bond, "the challenge bond"); !d) return std::unexpected(d.error());

  const Hash32 model_id = Hash32::from_span(as_bytes(j->model_id()));
  auto proven = verify_search_fraud(*model(model_id), j->version(), model_version(model_id, j->version()),
                                    c.answer(), c.fraud());
  if (!proven) {
    // Not proven: a failure whose effects stay, the bond is burned (apply() keeps the writes).
    if (auto b = burn(bond); !b) return std::unexpected(b.error());
    return TxError{TxCode::CHALLENGE_REJECTED, proven.error().message};
  }

  if (auto r = credit(tx.sender_address, bond); !r) return std::unexpected(r.error());
  auto worker = stake(pb::WORKER, *Address::from_bytes(as_bytes(j->worker())));
  auto penalty = slash_amount(*worker, times(params_.fault_penalty_prices(), j->price()));
  if (!penalty) return std::unexpected(penalty.error());
  const uint64_t reward = apply_ppm(*penalty, params_.challenger_reward_ppm());
  if (auto r = credit(tx.sender_address, reward); !r) return std::unexpected(r.error());
  const Address client = *Address::from_bytes(as_bytes(j->client()));
  auto to_client = add_checked(j->max_fee(), *penalty - reward);
  if (!to_client) return std::unexpected(to_client.error());
  if (auto r = credit(client, *to_client); !r) return std::unexpected(r.error());
  if (auto r = count_fault(*worker); !r) return std::unexpected(r.error());
  put_stake(*worker);

  j->set_status(pb::CHALLENGED);
  j->set_challenger(std::string(tx.sender_address.bytes.begin(), tx.sender_address.bytes.end()));
  j->set_slashed(*penalty);
  j->set_closed_height(block_.height);
  j->clear_proof_hash();
  if (j->kind() == pb::TRAINING)
    if (auto r = roll_back(model_id, j->version()); !r) return std::unexpected(r.error());
  unpin(model_id, j->version());
  put_job(*j);
  return std::nullopt;
}

}  // namespace ghost::ledger
