// Challenge: a recall fraud proof against an answered job in its challenge window. Proven:
// the worker loses slash_fraction_fraud of its stake (bonded and unbonding), part to the
// challenger and the rest burned, is jailed, and the client gets the escrow back. Not
// proven: the challenger's bond is burned.
#include "consensus/ledger/exec.h"
#include "consensus/ledger/proofs.h"
#include "consensus/ledger/params.h"

namespace ghost::ledger {

using pb::TxCode;

std::optional<TxFailure> Exec::challenge(const CheckedTx& tx, const pb::Challenge& c) {
  const Hash32 job_id = Hash32::from_span(as_bytes(c.job_id()));
  auto j = job(job_id);
  require(j.has_value(), TxCode::UNKNOWN_JOB, "no such job");
  require(j->status() != pb::SETTLED, TxCode::CHALLENGE_WINDOW_CLOSED, "the job is settled");
  require(j->status() == pb::ANSWERED, TxCode::JOB_NOT_OPEN, "only an answered job can be challenged");
  const uint64_t bond = params_.challenge_bond();
  debit(tx.sender_address, bond, "the challenge bond");

  const Hash32 model_id = Hash32::from_span(as_bytes(j->model_id()));
  auto proven = verify_recall_fraud(*model(model_id), j->version(), model_version(model_id, j->version()),
                                    j->proof(), c.fraud());
  if (!proven) {
    burn(bond);
    return TxFailure{TxCode::CHALLENGE_REJECTED, proven.error().message};
  }

  credit(tx.sender_address, bond);
  auto worker = stake(pb::WORKER, *Address::from_bytes(as_bytes(j->worker())));
  uint64_t slashed = slash(*worker, params_.slash_fraction_fraud_ppm());
  uint64_t reward = apply_ppm(slashed, params_.challenger_reward_ppm());
  credit(tx.sender_address, reward);
  burn(slashed - reward);
  jail(*worker);
  put_stake(*worker);

  credit(*Address::from_bytes(as_bytes(j->client())), j->max_fee());
  j->set_status(pb::CHALLENGED);
  j->set_challenger(std::string(tx.sender_address.bytes.begin(), tx.sender_address.bytes.end()));
  j->set_slashed(slashed);
  j->set_closed_height(block_.height);
  j->clear_proof();
  unpin(model_id, j->version());
  put_job(*j);
  return std::nullopt;
}

}  // namespace ghost::ledger
