// Paid jobs (docs/protocol.md §4): requests escrow max_fee and get a worker assigned from
// (job id, previous block hash) weighted by stake; results are verified on execution;
// settlement after challenge_blocks; no answer by the deadline refunds the client.
#include "consensus/ledger/exec.h"
#include "consensus/ledger/proofs.h"
#include "consensus/ledger/params.h"
#include "crypto/hash.h"
#include "proto/decode.h"

namespace ghost::ledger {

using pb::TxCode;

namespace {

std::string bytes_of(const Hash32& h) { return std::string(h.bytes.begin(), h.bytes.end()); }
Hash32 hash_of(const std::string& s) { return Hash32::from_span(as_bytes(s)); }

}  // namespace

TxResult<pb::Job> Exec::open_job(const CheckedTx& tx, pb::JobKind kind, const pb::ModelInfo& model, uint64_t max_fee,
                                 uint64_t deadline) {
  const uint64_t h = block_.height;
  if (max_fee < model.ghost_file().price_floor())
    return tx_fail(TxCode::FEE_BELOW_PRICE, "max_fee is below the model's price floor");
  if (deadline == 0) deadline = h + params_.job_deadline_blocks();
  if (deadline <= h || deadline > h + params_.job_deadline_blocks())
    return tx_fail(TxCode::BAD_DEADLINE, "deadline must be after this block and at most job_deadline_blocks ahead");

  // Eligible: serving the model, bonded at least the minimum, not jailed, price <= max_fee,
  // and below its capacity of open jobs: a job no worker has room for is refused now rather
  // than dropped by the worker and refunded at its deadline.
  std::vector<std::pair<std::string, pb::StakeInfo>> eligible;
  unsigned __int128 total = 0;
  bool busy = false;
  const pb::KeyList workers = key_list(keys::model_workers(hash_of(model.model_id())));
  for (const auto& op : workers.items()) {
    auto w = stake(pb::WORKER, *Address::from_bytes(as_bytes(op)));
    if (!w || w->jailed() || w->bonded() < params_.min_stake_worker() || w->price() > max_fee) continue;
    if (w->open_jobs() >= worker_capacity(*w)) {
      busy = true;
      continue;
    }
    total += w->bonded();
    eligible.emplace_back(op, std::move(*w));
  }
  if (total == 0 && busy)
    return tx_fail(TxCode::WORKERS_BUSY, "every eligible worker of this model has its capacity of open jobs: retry later");
  if (total == 0) return tx_fail(TxCode::NO_WORKER, "no eligible worker serves this model at or below max_fee");
  Sha256 seed;
  Hash32 s = seed.update(as_bytes("ghostchain/assign/v1")).update(tx.id.span()).update(block_.prev_block_hash.span()).final();
  unsigned __int128 r = 0;
  for (int i = 0; i < 16; ++i) r = (r << 8) | s.bytes[i];
  r %= total;
  size_t pick = 0;
  while (r >= eligible[pick].second.bonded()) r -= eligible[pick++].second.bonded();

  if (auto d = debit(tx.sender_address, max_fee, "the job's max_fee"); !d) return std::unexpected(d.error());
  pb::StakeInfo& assigned = eligible[pick].second;
  assigned.set_open_jobs(assigned.open_jobs() + 1);
  put_stake(assigned);
  pb::Job j;
  j.set_job_id(bytes_of(tx.id));
  j.set_kind(kind);
  j.set_status(pb::ASSIGNED);
  j.set_client(std::string(tx.sender_address.bytes.begin(), tx.sender_address.bytes.end()));
  j.set_model_id(model.model_id());
  j.set_max_fee(max_fee);
  j.set_price(eligible[pick].second.price());
  j.set_deadline(deadline);
  j.set_worker(eligible[pick].first);
  j.set_requested_height(h);
  schedule(deadline, keys::Due::kDeadline, j.job_id());
  return j;
}

TxResult<void> Exec::check_answerable(const pb::Job& j, const CheckedTx& tx, pb::JobKind kind) const {
  if (j.kind() != kind) return tx_fail(TxCode::UNKNOWN_JOB, "the job is of the other kind");
  if (j.status() != pb::ASSIGNED) return tx_fail(TxCode::JOB_NOT_OPEN, "the job is not waiting for an answer");
  if (j.worker() != std::string(tx.sender_address.bytes.begin(), tx.sender_address.bytes.end()))
    return tx_fail(TxCode::NOT_ASSIGNED_WORKER, "the sender is not the job's worker");
  return {};
}

void Exec::keep_proof_hash(pb::Job& j, const pb::GhostProof& proof) {
  j.set_proof_hash(bytes_of(sha256(pb::encode(proof))));
}

void Exec::close_open_job(const pb::Job& j) {
  if (auto w = stake(pb::WORKER, *Address::from_bytes(as_bytes(j.worker()))); w && w->open_jobs() > 0) {
    w->set_open_jobs(w->open_jobs() - 1);
    put_stake(*w);
  }
}

void Exec::answered(pb::Job& j) {
  close_open_job(j);
  j.set_status(pb::ANSWERED);
  j.set_answered_height(block_.height);
  schedule(block_.height + params_.challenge_blocks(), keys::Due::kSettlement, j.job_id());
  put_job(j);
}

TxResult<void> Exec::inference_request(const CheckedTx& tx, const pb::InferenceRequest& r) {
  auto m = model(hash_of(r.model_id()));
  if (!m) return tx_fail(TxCode::UNKNOWN_MODEL, "no such model");
  if (auto ok = check_job_input(m->ghost_file(), r.input()); !ok) return tx_fail(TxCode::BAD_INPUT, ok.error().message);
  auto j = open_job(tx, pb::INFERENCE, *m, r.max_fee(), r.deadline());
  if (!j) return std::unexpected(j.error());
  j->set_input(r.input());
  j->set_version(m->final_version());  // never a version a pending training step may still lose
  pin(hash_of(m->model_id()), m->final_version());
  put_job(*j);
  return {};
}

TxResult<void> Exec::inference_result(const CheckedTx& tx, const pb::InferenceResult& r) {
  auto found = job(hash_of(r.job_id()));
  if (!found) return tx_fail(TxCode::UNKNOWN_JOB, "no such job");
  pb::Job& j = *found;
  if (auto ok = check_answerable(j, tx, pb::INFERENCE); !ok) return ok;
  const pb::GhostProof& p = r.proof();
  if (p.model_id() != j.model_id() || p.version() != j.version())
    return tx_fail(TxCode::VERSION_MISMATCH, "the proof is not for the job's model version");
  if (p.input() != j.input()) return tx_fail(TxCode::BAD_PROOF, "the proof is for another input");
  if (p.layers_size() == 0 || p.layers(p.layers_size() - 1).output() != r.output())
    return tx_fail(TxCode::BAD_PROOF, "the output is not the proof's output");
  auto m = model(hash_of(j.model_id()));
  if (auto ok = verify_inference(*m, j.version(), model_version(hash_of(j.model_id()), j.version()), p); !ok)
    return tx_fail(TxCode::BAD_PROOF, ok.error().message);
  j.set_output(r.output());
  keep_proof_hash(j, p);
  answered(j);
  return {};
}

TxResult<void> Exec::train_request(const CheckedTx& tx, const pb::TrainRequest& r) {
  auto m = model(hash_of(r.model_id()));
  if (!m) return tx_fail(TxCode::UNKNOWN_MODEL, "no such model");
  const pb::GhostFile& file = m->ghost_file();
  std::string sender(tx.sender_address.bytes.begin(), tx.sender_address.bytes.end());
  switch (file.update_policy()) {
    case pb::OWNER_ONLY:
      if (file.owner() != sender) return tx_fail(TxCode::NOT_TRAINABLE, "only the owner may train this model");
      break;
    case pb::LISTED_TRAINERS:
      if (std::find(file.trainers().begin(), file.trainers().end(), sender) == file.trainers().end())
        return tx_fail(TxCode::NOT_TRAINABLE, "the sender is not a listed trainer");
      break;
    default: return tx_fail(TxCode::NOT_TRAINABLE, "the model is frozen");
  }
  if (auto ok = check_job_input(file, r.input()); !ok) return tx_fail(TxCode::BAD_INPUT, ok.error().message);
  if (auto ok = check_train_target(file, r.target(), r.lr()); !ok) return tx_fail(TxCode::BAD_INPUT, ok.error().message);
  auto j = open_job(tx, pb::TRAINING, *m, r.max_fee(), r.deadline());
  if (!j) return std::unexpected(j.error());
  j->set_input(r.input());
  j->set_target(r.target());
  j->set_lr(r.lr());
  put_job(*j);  // the version is fixed when answered: training moves the current one
  return {};
}

TxResult<void> Exec::train_result(const CheckedTx& tx, const pb::TrainResult& r) {
  auto found = job(hash_of(r.job_id()));
  if (!found) return tx_fail(TxCode::UNKNOWN_JOB, "no such job");
  pb::Job& j = *found;
  if (auto ok = check_answerable(j, tx, pb::TRAINING); !ok) return ok;
  const Hash32 model_id = hash_of(j.model_id());
  pb::ModelInfo m = *model(model_id);
  const pb::GhostProof& fw = r.proof().forward();
  if (fw.model_id() != j.model_id() || fw.version() != m.version())
    return tx_fail(TxCode::VERSION_MISMATCH, "a training step must start from the model's current version");
  if (fw.input() != j.input() || r.proof().target() != j.target() || r.proof().lr() != j.lr())
    return tx_fail(TxCode::BAD_PROOF, "the proof is for another input, target or learning rate");
  auto roots = verify_training(m, m.version(), model_version(model_id, m.version()), r.proof());
  if (!roots) return tx_fail(TxCode::BAD_PROOF, roots.error().message);

  j.set_version(m.version());
  pin(model_id, m.version());  // the old roots stay while the step can be challenged
  m.set_version(m.version() + 1);
  st_.put(keys::model(model_id), dump(m));
  pb::ModelVersion next;
  for (auto& root : *roots) next.add_roots(std::move(root));
  next.set_created_by(j.job_id());
  st_.put(keys::model_version(model_id, m.version()), dump(next));
  j.set_output(fw.layers(fw.layers_size() - 1).output());
  keep_proof_hash(j, fw);
  answered(j);
  return {};
}

TxResult<void> Exec::settle(const Hash32& job_id) {
  auto j = job(job_id);
  if (!j || j->status() != pb::ANSWERED) return {};  // challenged in the meantime
  Address worker = *Address::from_bytes(as_bytes(j->worker()));
  uint64_t share = apply_ppm(j->price(), params_.protocol_fee_share_ppm());
  if (auto r = credit(worker, j->price() - share); !r) return r;
  if (auto r = to_reward_pool(share); !r) return r;
  if (auto r = credit(*Address::from_bytes(as_bytes(j->client())), j->max_fee() - j->price()); !r) return r;
  if (auto w = stake(pb::WORKER, worker)) {
    w->set_served(w->served() + 1);
    put_stake(*w);
  }
  j->set_status(pb::SETTLED);
  j->set_closed_height(block_.height);
  j->clear_proof_hash();
  if (j->kind() == pb::TRAINING) {
    // Its window closed unchallenged: the version it made is final. Steps settle in the
    // order they were answered, so this is always the next one.
    pb::ModelInfo m = *model(hash_of(j->model_id()));
    m.set_final_version(j->version() + 1);
    st_.put(keys::model(hash_of(j->model_id())), dump(m));
  }
  unpin(hash_of(j->model_id()), j->version());
  put_job(*j);
  return {};
}

TxResult<void> Exec::expire(const Hash32& job_id) {
  auto j = job(job_id);
  if (!j || j->status() != pb::ASSIGNED) return {};  // answered in time
  close_open_job(*j);
  // The client gets the escrow back and the worker's stake pays it the miss penalty:
  // silence must cost more than it saves.
  uint64_t refund = j->max_fee();
  if (auto w = stake(pb::WORKER, *Address::from_bytes(as_bytes(j->worker())))) {
    auto penalty = slash_amount(*w, apply_ppm(j->price(), params_.miss_penalty_ppm()));
    if (!penalty) return std::unexpected(penalty.error());
    auto sum = add_checked(refund, *penalty);
    if (!sum) return std::unexpected(sum.error());
    refund = *sum;
    w->set_misses(w->misses() + 1);
    put_stake(*w);
  }
  if (auto r = credit(*Address::from_bytes(as_bytes(j->client())), refund); !r) return r;
  if (j->kind() == pb::INFERENCE) unpin(hash_of(j->model_id()), j->version());
  j->set_status(pb::REFUNDED);
  j->set_closed_height(block_.height);
  put_job(*j);
  return {};
}

}  // namespace ghost::ledger
