#include "node/worker/job_finder.h"

#include <algorithm>

#include "consensus/ledger/tx.h"
#include "proto/decode.h"

namespace ghost::worker {

namespace {

bool is_mine(const pb::Job& j, const Address& worker) {
  return j.status() == pb::ASSIGNED && j.worker() == std::string(worker.bytes.begin(), worker.bytes.end());
}

Hash32 hash_of(const std::string& s) { return Hash32::from_span(as_bytes(s)); }

}  // namespace

std::vector<pb::Job> open_jobs(const ledger::Ledger& ledger, const Address& worker) {
  std::vector<pb::Job> out;
  for (auto& j : ledger.jobs())
    if (is_mine(j, worker)) out.push_back(std::move(j));
  std::ranges::stable_sort(out, {}, [](const pb::Job& j) { return j.requested_height(); });
  return out;
}

std::optional<ml::ModelVersion> chain_version(const ledger::Ledger& ledger, const Hash32& model_id, uint64_t version) {
  auto info = ledger.model(model_id);
  auto roots = ledger.model_version(model_id, version);
  if (!info || !roots) return std::nullopt;
  auto v = ml::model_version(info->ghost_file());
  if (!v || size_t(roots->roots_size()) != v->roots.size()) return std::nullopt;
  v->model_id = model_id;
  v->version = version;
  for (size_t i = 0; i < v->roots.size(); ++i) {
    if (roots->roots(int(i)).size() != 32) return std::nullopt;
    v->roots[i] = hash_of(roots->roots(int(i)));
  }
  return std::move(*v);
}

BlockNews read_block(const ledger::Ledger& ledger, const pb::Block& block, const pb::BlockResults& results,
                     const Address& worker) {
  BlockNews news;
  for (int i = 0; i < block.txs_size() && i < results.receipts_size(); ++i) {
    if (results.receipts(i).status() != pb::OK) continue;
    const std::string& raw = block.txs(i);
    pb::TxEnvelope env;
    pb::TxBody body;
    // A committed tx with an OK receipt decoded once already; one that does not is skipped.
    if (!pb::decode(as_bytes(raw), env) || !pb::decode(as_bytes(env.body()), body)) continue;
    if (body.has_inference_request() || body.has_train_request()) {
      auto j = ledger.job(ledger::tx_id(as_bytes(raw)));
      if (j && is_mine(*j, worker)) news.assigned.push_back(std::move(*j));
    } else if (body.has_train_result()) {
      auto j = ledger.job(hash_of(body.train_result().job_id()));
      if (!j) continue;
      auto from = chain_version(ledger, hash_of(j->model_id()), j->version());
      // A step discarded later in this same block has no start version any more: skipped,
      // the rollback that follows returns the folder to before it anyway.
      if (from) news.changes.emplace_back(CommittedStep{std::move(*from), body.train_result().proof()});
    } else if (body.has_challenge()) {
      auto j = ledger.job(hash_of(body.challenge().job_id()));
      if (j && j->kind() == pb::TRAINING && j->status() == pb::CHALLENGED)
        news.changes.emplace_back(RollBack{hash_of(j->model_id()), j->version()});
    }
  }
  return news;
}

std::vector<CommittedStep> steps_in(const BlockNews& news) {
  std::vector<CommittedStep> out;
  for (const auto& c : news.changes)
    if (const auto* step = std::get_if<CommittedStep>(&c)) out.push_back(*step);
  return out;
}

std::optional<std::vector<CommittedStep>> steps_since(const ledger::Ledger& ledger, const Hash32& model_id, uint64_t from,
                                                      const std::function<std::optional<pb::Block>(uint64_t)>& block_at) {
  auto info = ledger.model(model_id);
  if (!info) return std::nullopt;
  std::vector<CommittedStep> steps;
  for (uint64_t v = from; v < info->version(); ++v) {
    auto start = chain_version(ledger, model_id, v);
    auto made = ledger.model_version(model_id, v + 1);
    if (!start || !made) return std::nullopt;
    auto job = ledger.job(hash_of(made->created_by()));
    auto block = job ? block_at(job->answered_height()) : std::nullopt;
    if (!block) return std::nullopt;
    // The block may also hold refused results for the job: the accepted one made these roots.
    std::optional<pb::TrainProof> found;
    for (const auto& raw : block->txs()) {
      pb::TxEnvelope env;
      pb::TxBody body;
      if (!pb::decode(as_bytes(raw), env) || !pb::decode(as_bytes(env.body()), body) || !body.has_train_result() ||
          body.train_result().job_id() != made->created_by())
        continue;
      const auto& roots = body.train_result().proof().new_roots();
      if (std::equal(roots.begin(), roots.end(), made->roots().begin(), made->roots().end())) {
        found = body.train_result().proof();
        break;
      }
    }
    if (!found) return std::nullopt;
    steps.push_back({std::move(*start), std::move(*found)});
  }
  return steps;
}

}  // namespace ghost::worker
