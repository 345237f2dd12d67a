// What the ledger asks of the ml library about jobs: is an input acceptable for a model,
// does an answer's ghost proof hold against a version's roots, does a search fraud proof.
// Each failure carries the reason that goes into the receipt.
#pragma once

#include <string>
#include <vector>

#include "base/result.h"
#include "proto/ghost.pb.h"
#include "proto/state.pb.h"

namespace ghost::ledger {

// The first layer accepts this input (size, encoding, non-zero, finite).
Result<void> check_job_input(const pb::GhostFile& file, const std::string& input);
// A training target (d_out of the last layer, finite float32) and learning rate (finite, > 0).
Result<void> check_train_target(const pb::GhostFile& file, const std::string& target, float lr);
// The proof's openings hold against version `version` of the model (its `roots`) and its
// outputs recompute bit for bit.
Result<void> verify_inference(const pb::ModelInfo& model, uint64_t version, const pb::ModelVersion& roots,
                              const pb::GhostProof& proof);
// As verify_inference for the forward pass, then the step's new roots; returns them.
Result<std::vector<std::string>> verify_training(const pb::ModelInfo& model, uint64_t version,
                                                 const pb::ModelVersion& roots, const pb::TrainProof& proof);
// The fraud proof shows that the canonical search of one layer (docs/protocol.md §3.19,
// §3.22) selects another set than the answer did. `answer` already passed verify_inference.
Result<void> verify_search_fraud(const pb::ModelInfo& model, uint64_t version, const pb::ModelVersion& roots,
                                 const pb::GhostProof& answer, const pb::SearchFraudProof& fraud);

}  // namespace ghost::ledger
