// Recall fraud proofs (docs/protocol.md §4). For a layer with returned scores a_1 <= ... <= a_k and
// m = floor((1 - min_recall) * k) + 1, a set S of m columns outside the returned set whose
// lowest score is strictly above a_m shows that at least m returned columns are not in the
// true top-k, so recall < min_recall. An answer with recall >= min_recall has no such S.
#pragma once

#include <cstdint>

#include "base/result.h"
#include "ml/ghost_file.h"
#include "ml/hopfield.h"
#include "ml/verify/ghost_proof.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

// m, computed exactly from the float min_recall (0 < min_recall <= 1, so 1 <= m <= k).
uint32_t challenge_size(uint32_t k, float min_recall);

// a_m: the m-th lowest score of a layer's returned set (1 <= m <= the set's size). A fraud
// proof's columns must each score strictly above it. (Finding one: ml/serve/prove.h.)
float challenge_threshold(const HopfieldPass& pass, uint32_t m);

// Succeeds only when `fraud` proves recall < min_recall for `result` (already verified
// against `version`): O(m d) work plus m multiproof paths.
Result<void> verify_recall_fraud(const pb::RecallFraudProof& fraud, const VerifiedInference& result,
                                 const ModelVersion& version);
// The same from the result's proof bytes as recorded (verifies the result first).
Result<void> verify_recall_fraud(const pb::RecallFraudProof& fraud, const pb::GhostProof& result,
                                 const ModelVersion& version);

}  // namespace ghost::ml
