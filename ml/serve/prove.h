// What a worker proves from the weights it holds: ghost proofs of its passes, training proofs
// of its steps, and recall fraud proofs against others' results. Every proof made here is
// checked by ml/verify/ with the roots alone.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "base/bytes.h"
#include "base/result.h"
#include "crypto/hash.h"
#include "ml/ghost_file.h"
#include "ml/leaf_codec.h"
#include "ml/serve/model.h"
#include "proto/ghost.pb.h"

namespace ghost::ml {

// The proof of `inference` (a pass of `model` on `input`) against the model's current roots,
// which the caller states are those of (model_id, version).
pb::GhostProof make_ghost_proof(const Model& model, const Hash32& model_id, uint64_t version, ByteSpan input,
                                const Inference& inference, LeafWire wire = pb::LEAVES_RAW);

// The proof of `step` (computed by model.train_step on input, target, lr) against the
// model's current roots, which the caller states are those of (model_id, version).
pb::TrainProof make_train_proof(const Model& model, const Hash32& model_id, uint64_t version, ByteSpan input,
                                std::span<const float> target, float lr, const TrainStep& step,
                                LeafWire wire = pb::LEAVES_RAW);

// With the tensors of `version` (`model` must hold exactly its roots and be opened with its
// search), replays the canonical search (docs/protocol.md §3.22) of every Hopfield layer of a
// result. Returns the search fraud proof (the leaves the search read, opened) of the first
// layer where a canonical column outside the answer outranks the answer's lowest
// (search_fraud.h), nullopt when no layer has one, or an
// error when the result does not verify or the model is not this version.
Result<std::optional<pb::SearchFraudProof>> find_search_fraud(const Model& model, const ModelVersion& version,
                                                              const pb::GhostProof& result,
                                                              LeafWire wire = LeafWire::shortest());

}  // namespace ghost::ml
