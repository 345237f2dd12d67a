// The way back for a folder whose weights are a version a proven fraud discarded (§4.7.10)
// while its holder was down, or before it kept a snapshot of the version the discarded steps
// started from (it restarted in between). A discarded step's job stays on the chain,
// CHALLENGED or ROLLED_BACK, and its accepted training result stays in the block that answered
// it; the result's forward proof opens, under the step's start roots, every leaf the step
// wrote. Walked forward from a version the chain keeps, each step verified against the roots
// before it, the discarded steps that end at the folder's roots give the leaves to write back.
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "base/result.h"
#include "consensus/ledger/ledger.h"
#include "ml/verify/train_proof.h"
#include "node/worker/job_finder.h"

namespace ghost::worker {

// The accepted training results of a model's discarded steps, read on the thread that owns
// the ledger; where they lead is found later (steps_to), against the folder's roots.
struct DiscardedResults {
  std::map<uint64_t, std::vector<pb::TrainProof>> by_start;  // by the version each step started from
  std::map<uint64_t, ml::ModelVersion> kept;  // those start versions the chain still keeps
  std::optional<uint64_t> missing;            // a height holding one whose block is not stored
};
DiscardedResults discarded_results(const ledger::Ledger& ledger, const Hash32& model_id, const BlockAt& block_at);

// Discarded steps, in order, from a version the chain keeps to the folder's weights.
struct DiscardedSteps {
  ml::ModelVersion kept;
  std::vector<ml::VerifiedTraining> steps;
};
// The discarded steps that lead to `roots`. kNotFound when a block of a discarded step is not
// stored (the error says which), kMismatch when none lead there.
Result<DiscardedSteps> steps_to(const DiscardedResults& results, const std::vector<Hash32>& roots);

// The leaves that return the weights after `path` to `path.kept`: each leaf the steps wrote,
// as the first step that wrote it found it.
std::vector<ml::LeafWrite> undo_writes(const DiscardedSteps& path);

}  // namespace ghost::worker
