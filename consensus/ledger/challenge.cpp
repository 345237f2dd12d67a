// Challenge: a recall fraud proof against an answered job in its challenge window. Proven:
// the worker loses slash_fraction_fraud of its stake (bonded and unbonding), part to the
// challenger and the rest burned, is jailed, and the client gets the escrow back. Not
// proven: the challenger's bond is burned.
#include "consensus/ledger/exec.h"
#include "consensus/ledger/proofs.h"
#include "consensus/ledger/params.h"

namespace ghost::ledger {

using pb::TxCode;

TxResult<std::optional<TxError>> Exec::challenge(const CheckedTx& tx, const pb::Challenge& c) {
  const Hash32 job_id = Hash32::from_span(as_bytes(c.job_id()));
  auto j = job(job_id);
  if (!j) return tx_fail(TxCode::UNKNOWN_JOB, "no such job");
  if (j->status() == pb::SETTLED) return tx_fail(TxCode::CHALLENGE_WINDOW_CLOSED, "the job is settled");
  if (j->status() != pb::ANSWERED) return tx_fail(TxCode::JOB_NOT_OPEN, "only an answered job can be challenged");
  const uint64_t bond = params_.challenge_bond();
  if (auto d = debit(tx.sender_address, bond, "the challenge bond"); !d) return std::unexpected(d.error());

  const Hash32 model_id = Hash32::from_span(as_bytes(j->model_id()));
  auto proven = verify_recall_fraud(*model(model_id), j->version(), model_version(model_id, j->version()),
                                    j->proof(), c.fraud());
  if (!proven) {
    // Not proven: a failure whose effects stay, the bond is burned (apply() keeps the writes).
    if (auto b = burn(bond); !b) return std::unexpected(b.error());
    return TxError{TxCode::CHALLENGE_REJECTED, proven.error().message};
  }

  if (auto r = credit(tx.sender_address, bond); !r) return std::unexpected(r.error());
  auto worker = stake(pb::WORKER, *Address::from_bytes(as_bytes(j->worker())));
  auto slashed = slash(*worker, params_.slash_fraction_fraud_ppm());
  if (!slashed) return std::unexpected(slashed.error());
  uint64_t reward = apply_ppm(*slashed, params_.challenger_reward_ppm());
  if (auto r = credit(tx.sender_address, reward); !r) return std::unexpected(r.error());
  if (auto r = burn(*slashed - reward); !r) return std::unexpected(r.error());
  jail(*worker);
  put_stake(*worker);

  if (auto r = credit(*Address::from_bytes(as_bytes(j->client())), j->max_fee()); !r) return std::unexpected(r.error());
  j->set_status(pb::CHALLENGED);
  j->set_challenger(std::string(tx.sender_address.bytes.begin(), tx.sender_address.bytes.end()));
  j->set_slashed(*slashed);
  j->set_closed_height(block_.height);
  j->clear_proof();
  unpin(model_id, j->version());
  put_job(*j);
  return std::nullopt;
}

}  // namespace ghost::ledger
