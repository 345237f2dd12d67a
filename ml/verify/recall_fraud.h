// Recall fraud proofs (DESIGN.md §4). For a layer with returned scores a_1 <= ... <= a_k and
// m = floor((1 - min_recall) * k) + 1, a set S of m columns outside the returned set whose
// lowest score is strictly above a_m shows that at least m returned columns are not in the
// true top-k, so recall < min_recall. An answer with recall >= min_recall has no such S.
#pragma once

#include <cstdint>
#include <optional>

#include "base/result.h"
#include "ml/ghost_file.h"
#include "ml/verify/ghost_proof.h"
#include "ml/serve/model.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

// m, computed exactly from the float min_recall (0 < min_recall <= 1, so 1 <= m <= k).
uint32_t challenge_size(uint32_t k, float min_recall);

// With the full weights of `version` (`model` must hold exactly its roots), searches every
// Hopfield layer of a result for S by exact scores: the m best columns outside the returned
// set. Returns the fraud proof of the first layer that has one, nullopt when none does, or
// an error when the result does not verify or the model is not this version.
Result<std::optional<pb::RecallFraudProof>> find_recall_fraud(const Model& model, const ModelVersion& version,
                                                              const pb::GhostProof& result,
                                                              LeafWire wire = pb::LEAVES_RAW);

// Succeeds only when `fraud` proves recall < min_recall for `result` (already verified
// against `version`): O(m d) work plus m multiproof paths.
Result<void> verify_recall_fraud(const pb::RecallFraudProof& fraud, const VerifiedInference& result,
                                 const ModelVersion& version);
// The same from the result's proof bytes as recorded (verifies the result first).
Result<void> verify_recall_fraud(const pb::RecallFraudProof& fraud, const pb::GhostProof& result,
                                 const ModelVersion& version);

}  // namespace ghost::ml
