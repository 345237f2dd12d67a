// Search fraud proofs (docs/protocol.md §3.19): the canonical search of one Hopfield layer
// (§3.22), replayed from the committed leaves it reads (codes, graph rows, the beam's W_K
// columns, each opened against its root), selects a column the answer lacks that ranks above
// the answer's lowest column. The canonical answer and the exact top-k have no such column,
// so an honest (or exact) worker is never challengeable; an answer that did less than the
// canonical search (a narrower beam, random columns, half an index) is.
#pragma once

#include <span>

#include "base/result.h"
#include "ml/hopfield.h"
#include "ml/ghost_file.h"
#include "ml/verify/ghost_proof.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

// The fault: some column of the canonical set, not in the answer, ranks (§3.8: score, then
// lower index) above the answer's lowest-ranked column.
bool outranks_answer(std::span<const Scored> canonical, const HopfieldPass& answer);

// Succeeds only when `fraud` proves that fault for its layer of `result` (already verified
// against `version`). Work: one replayed search reading only the proof's leaves, plus three
// multiproofs.
Result<void> verify_search_fraud(const pb::SearchFraudProof& fraud, const VerifiedInference& result,
                                 const ModelVersion& version);
// The same from the result's proof as recorded (verifies the result first).
Result<void> verify_search_fraud(const pb::SearchFraudProof& fraud, const pb::GhostProof& result,
                                 const ModelVersion& version);

}  // namespace ghost::ml
