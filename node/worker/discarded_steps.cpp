#include "node/worker/discarded_steps.h"

#include <functional>
#include <ranges>

#include "consensus/ledger/tx.h"
#include "proto/decode.h"

namespace ghost::worker {

namespace {

// The training result that answered `job` with an OK receipt, from its block; nullopt when
// the block is not stored or holds none (a refused result for the job has another receipt).
std::optional<pb::TrainProof> accepted_result(const ledger::Ledger& ledger, const pb::Job& job,
                                              const BlockAt& block_at) {
  auto block = block_at(job.answered_height());
  if (!block) return std::nullopt;
  for (const auto& raw : block->txs()) {
    pb::TxEnvelope env;
    pb::TxBody body;
    if (!pb::decode(as_bytes(raw), env) || !pb::decode(as_bytes(env.body()), body) || !body.has_train_result() ||
        body.train_result().job_id() != job.job_id())
      continue;
    auto receipt = ledger.receipt(ledger::tx_id(as_bytes(raw)));
    if (receipt && receipt->status() == pb::OK) return body.train_result().proof();
  }
  return std::nullopt;
}

}  // namespace

DiscardedResults discarded_results(const ledger::Ledger& ledger, const Hash32& model_id, const BlockAt& block_at) {
  const std::string id(model_id.bytes.begin(), model_id.bytes.end());
  DiscardedResults out;
  std::vector<pb::Job> jobs;
  for (auto& job : ledger.jobs())
    if (job.kind() == pb::TRAINING && job.model_id() == id &&
        (job.status() == pb::CHALLENGED || job.status() == pb::ROLLED_BACK)) {
      if (auto v = chain_version(ledger, model_id, job.version())) out.kept.emplace(job.version(), std::move(*v));
      jobs.push_back(std::move(job));
    }
  if (out.kept.empty()) return out;
  // A walk starts at a kept version and only climbs: steps from below the lowest are not read
  // (nor are their blocks, which an old rollback's may have been pruned).
  const uint64_t lowest = out.kept.begin()->first;
  for (const auto& job : jobs) {
    if (job.version() < lowest) continue;
    auto proof = accepted_result(ledger, job, block_at);
    if (!proof) {
      out.missing = std::min(out.missing.value_or(job.answered_height()), job.answered_height());
      continue;
    }
    out.by_start[job.version()].push_back(std::move(*proof));
  }
  return out;
}

Result<DiscardedSteps> steps_to(const DiscardedResults& results, const std::vector<Hash32>& roots) {
  DiscardedSteps path;
  // Depth first: each step verifies only against the roots it started from, so a branch is a
  // real fork (two rollbacks from the same version); versions grow, so the walk ends.
  std::function<bool(const ml::ModelVersion&)> reaches = [&](const ml::ModelVersion& at) {
    auto from = results.by_start.find(at.version);
    if (from == results.by_start.end()) return false;
    for (const auto& proof : from->second) {
      auto step = ml::verify_train_proof(proof, at);
      if (!step) continue;
      ml::ModelVersion next = at;
      next.version = at.version + 1;
      next.roots = step->roots;
      path.steps.push_back(std::move(*step));
      if (next.roots == roots || reaches(next)) return true;
      path.steps.pop_back();
    }
    return false;
  };
  for (const auto& [version, kept] : results.kept) {
    path.kept = kept;
    if (reaches(kept)) return path;
  }
  if (results.missing)
    return fail(Errc::kNotFound, "block " + std::to_string(*results.missing) +
                                     ", which holds a training step a proven fraud discarded, is not stored here");
  return fail(Errc::kMismatch, "no training step a proven fraud discarded leads to these weights");
}

std::vector<ml::LeafWrite> undo_writes(const DiscardedSteps& path) {
  std::map<std::pair<uint32_t, uint64_t>, const std::vector<float>*> first;
  for (const auto& step : path.steps | std::views::reverse)
    for (const auto& leaf : step.before) first[{leaf.tensor, leaf.index}] = &leaf.values;
  std::vector<ml::LeafWrite> out;
  for (const auto& [at, values] : first) out.push_back({at.first, at.second, *values});
  return out;
}

}  // namespace ghost::worker
